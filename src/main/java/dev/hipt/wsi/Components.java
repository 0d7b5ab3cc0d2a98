package dev.hipt.wsi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The contour filter of CLAM's tissue segmentation, on connected components: tissue components (8-connected) at
 * or below the tissue-area threshold are dropped; of each kept component's holes (4-connected background enclosed by
 * it) the {@code maxHoles} largest stay open if their area is above the hole threshold, and the others are filled.
 * Whatever lies inside a kept component's outline and not in an open hole is tissue, except components inside open
 * holes, which are judged on their own. Areas are pixel counts.
 */
final class Components {

    private Components() {
    }

    static byte[] filter(byte[] bin, int w, int h, double minTissueArea, double minHoleArea, int maxHoles) {
        int n = w * h;
        int[] label = new int[n];
        Arrays.fill(label, -1);
        List<long[]> comps = new ArrayList<>(); // {area, firstPixel, foreground 0/1, touchesBorder 0/1}
        int[] stack = new int[Math.max(16, Math.min(n, 1 << 16))];
        for (int start = 0; start < n; start++) {
            if (label[start] >= 0) {
                continue;
            }
            int id = comps.size();
            boolean fg = bin[start] != 0;
            long area = 0;
            boolean border = false;
            int sp = 0;
            stack[sp++] = start;
            label[start] = id;
            while (sp > 0) {
                int p = stack[--sp];
                area++;
                int x = p % w;
                int y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    border = true;
                }
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = y + dy;
                    if (ny < 0 || ny >= h) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx;
                        if (nx < 0 || nx >= w || (dx == 0 && dy == 0) || (!fg && dx != 0 && dy != 0)) {
                            continue;
                        }
                        int q = ny * w + nx;
                        if (label[q] < 0 && (bin[q] != 0) == fg) {
                            label[q] = id;
                            if (sp == stack.length) {
                                stack = Arrays.copyOf(stack, Math.min(n, stack.length * 2));
                            }
                            stack[sp++] = q;
                        }
                    }
                }
            }
            comps.add(new long[] {area, start, fg ? 1 : 0, border ? 1 : 0});
        }

        int count = comps.size();
        // parent: the component enclosing this one, found just above its first pixel in raster order; components
        // are numbered in raster order of their first pixel, so a parent always comes before its children
        int[] parent = new int[count];
        for (int c = 0; c < count; c++) {
            long[] comp = comps.get(c);
            int first = (int) comp[1];
            boolean outerBackground = comp[2] == 0 && comp[3] == 1;
            parent[c] = outerBackground || first < w ? -1 : label[first - w];
        }
        boolean[] kept = new boolean[count];
        for (int c = 0; c < count; c++) {
            long[] comp = comps.get(c);
            kept[c] = comp[2] == 1 && comp[0] > minTissueArea;
        }
        boolean[] openHole = new boolean[count];
        List<List<Integer>> holes = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            holes.add(null);
        }
        for (int c = 0; c < count; c++) {
            if (comps.get(c)[2] == 0 && parent[c] >= 0 && kept[parent[c]]) {
                List<Integer> list = holes.get(parent[c]);
                if (list == null) {
                    list = new ArrayList<>();
                    holes.set(parent[c], list);
                }
                list.add(c);
            }
        }
        for (List<Integer> list : holes) {
            if (list == null) {
                continue;
            }
            list.sort((a, b) -> Long.compare(comps.get(b)[0], comps.get(a)[0]));
            for (int i = 0; i < Math.min(maxHoles, list.size()); i++) {
                int hole = list.get(i);
                openHole[hole] = comps.get(hole)[0] > minHoleArea;
            }
        }
        boolean[] tissue = new boolean[count];
        for (int c = 0; c < count; c++) {
            boolean fg = comps.get(c)[2] == 1;
            int p = parent[c];
            boolean inherited = p >= 0 && tissue[p];
            if (fg) {
                tissue[c] = kept[c] || inherited;
            } else {
                tissue[c] = p >= 0 && (kept[p] ? !openHole[c] : inherited);
            }
        }
        byte[] mask = new byte[n];
        for (int i = 0; i < n; i++) {
            mask[i] = (byte) (tissue[label[i]] ? 1 : 0);
        }
        return mask;
    }
}
