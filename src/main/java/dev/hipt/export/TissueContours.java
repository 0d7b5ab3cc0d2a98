package dev.hipt.export;

import dev.hipt.wsi.TissueMask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The outlines of a tissue mask as polygons in level-0 pixels: every boundary edge between a tissue and a
 * background mask pixel, chained into closed rings (tissue on the right of each edge in image coordinates, so outer
 * rings run clockwise on screen and holes anticlockwise), each hole given to the smallest outer ring around it.
 */
final class TissueContours {

    private TissueContours() {
    }

    /** A polygon: the outer ring then its holes, each ring closed (last point = first), level-0 [x, y] points. */
    record Polygon(List<List<long[]>> rings) {
    }

    static List<Polygon> of(TissueMask mask) {
        int w = mask.width();
        int h = mask.height();
        Map<Long, List<int[]>> out = new HashMap<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!tissue(mask, x, y)) {
                    continue;
                }
                if (!tissue(mask, x, y - 1)) {
                    edge(out, x, y, x + 1, y);
                }
                if (!tissue(mask, x + 1, y)) {
                    edge(out, x + 1, y, x + 1, y + 1);
                }
                if (!tissue(mask, x, y + 1)) {
                    edge(out, x + 1, y + 1, x, y + 1);
                }
                if (!tissue(mask, x - 1, y)) {
                    edge(out, x, y + 1, x, y);
                }
            }
        }
        List<List<int[]>> outers = new ArrayList<>();
        List<List<int[]>> holes = new ArrayList<>();
        while (!out.isEmpty()) {
            List<int[]> ring = chain(out);
            (area(ring) > 0 ? outers : holes).add(ring);
        }
        List<List<List<int[]>>> polygons = new ArrayList<>();
        for (List<int[]> outer : outers) {
            List<List<int[]>> p = new ArrayList<>();
            p.add(outer);
            polygons.add(p);
        }
        for (List<int[]> hole : holes) {
            // the centre of the tissue pixel on the right of the hole's first edge lies inside its outer ring
            int[] a = hole.get(0);
            int[] b = hole.get(1);
            double px = (a[0] + b[0]) / 2.0 - 0.5 * (b[1] - a[1]);
            double py = (a[1] + b[1]) / 2.0 + 0.5 * (b[0] - a[0]);
            int best = -1;
            for (int i = 0; i < outers.size(); i++) {
                if (contains(outers.get(i), px, py)
                        && (best < 0 || area(outers.get(i)) < area(outers.get(best)))) {
                    best = i;
                }
            }
            if (best >= 0) {
                polygons.get(best).add(hole);
            }
        }
        double d = mask.downsample();
        List<Polygon> result = new ArrayList<>();
        for (List<List<int[]>> p : polygons) {
            List<List<long[]>> rings = new ArrayList<>();
            for (List<int[]> ring : p) {
                List<long[]> level0 = new ArrayList<>();
                for (int[] v : ring) {
                    level0.add(new long[] {Math.min(mask.slideWidth(), Math.round(v[0] * d)),
                            Math.min(mask.slideHeight(), Math.round(v[1] * d))});
                }
                level0.add(level0.get(0));
                rings.add(level0);
            }
            result.add(new Polygon(rings));
        }
        return result;
    }

    private static boolean tissue(TissueMask mask, int x, int y) {
        return x >= 0 && y >= 0 && x < mask.width() && y < mask.height() && mask.isTissue(x, y);
    }

    private static long key(int x, int y) {
        return ((long) x << 32) | (y & 0xffffffffL);
    }

    private static void edge(Map<Long, List<int[]>> out, int x0, int y0, int x1, int y1) {
        out.computeIfAbsent(key(x0, y0), k -> new ArrayList<>(2)).add(new int[] {x0, y0, x1, y1});
    }

    /** Follows edges from any remaining one back to its start, turning right where two leave a vertex. */
    private static List<int[]> chain(Map<Long, List<int[]>> out) {
        long startKey = out.keySet().iterator().next();
        int[] e = take(out, startKey, null);
        int[] start = {e[0], e[1]};
        List<int[]> ring = new ArrayList<>();
        ring.add(start);
        while (e[2] != start[0] || e[3] != start[1]) {
            int[] next = take(out, key(e[2], e[3]), e);
            ring.add(new int[] {next[0], next[1]});
            e = next;
        }
        return simplify(ring);
    }

    private static int[] take(Map<Long, List<int[]>> out, long at, int[] incoming) {
        List<int[]> edges = out.get(at);
        int pick = 0;
        if (edges.size() > 1 && incoming != null) {
            int dx = incoming[2] - incoming[0];
            int dy = incoming[3] - incoming[1];
            for (int i = 0; i < edges.size(); i++) {
                int ex = edges.get(i)[2] - edges.get(i)[0];
                int ey = edges.get(i)[3] - edges.get(i)[1];
                if (dx * ey - dy * ex > 0) { // a right turn on screen (y down)
                    pick = i;
                }
            }
        }
        int[] e = edges.remove(pick);
        if (edges.isEmpty()) {
            out.remove(at);
        }
        return e;
    }

    /** Drops vertices in the middle of straight runs. */
    private static List<int[]> simplify(List<int[]> ring) {
        List<int[]> out = new ArrayList<>();
        int n = ring.size();
        for (int i = 0; i < n; i++) {
            int[] prev = ring.get((i + n - 1) % n);
            int[] cur = ring.get(i);
            int[] next = ring.get((i + 1) % n);
            if ((cur[0] - prev[0]) * (next[1] - cur[1]) - (cur[1] - prev[1]) * (next[0] - cur[0]) != 0) {
                out.add(cur);
            }
        }
        return out;
    }

    /** Shoelace area in screen coordinates: positive for clockwise-on-screen rings. */
    static double area(List<int[]> ring) {
        double s = 0;
        for (int i = 0; i < ring.size(); i++) {
            int[] a = ring.get(i);
            int[] b = ring.get((i + 1) % ring.size());
            s += (double) a[0] * b[1] - (double) b[0] * a[1];
        }
        return s / 2;
    }

    private static boolean contains(List<int[]> ring, double x, double y) {
        boolean inside = false;
        for (int i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
            int[] a = ring.get(i);
            int[] b = ring.get(j);
            if ((a[1] > y) != (b[1] > y) && x < (double) (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) {
                inside = !inside;
            }
        }
        return inside;
    }
}
