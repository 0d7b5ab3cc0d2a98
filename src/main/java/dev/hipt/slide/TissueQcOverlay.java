package dev.hipt.slide;

import dev.hipt.wsi.Region;
import dev.hipt.wsi.Thumbnails;
import dev.hipt.wsi.TissueMask;
import dev.hipt.wsi.WholeSlideImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The tissue QC picture: the slide read from its pyramid at the asked size (not the enlarged mask), the tissue mask
 * as an outline over the H&E, the analysis region grid drawn, and what lies outside the slide (a region grid reaches
 * past the slide's edge) hatched grey. The canvas covers the slide and the grid in level-0 pixels.
 */
final class TissueQcOverlay {

    static final int OUTLINE = 0x00c853;
    static final int GRID = 0x1e50ff;
    static final int OUTSIDE = 0xc8c8c8;
    static final int OUTSIDE_HATCH = 0x9a9a9a;

    private TissueQcOverlay() {
    }

    /** The picture and its scale: level-0 pixels per picture pixel. */
    record Picture(BufferedImage image, double downsample) {
    }

    static Picture draw(WholeSlideImage slide, TissueMask mask, List<Region> grid, int maxSide) {
        long w0 = slide.metadata().width();
        long h0 = slide.metadata().height();
        long extentW = w0;
        long extentH = h0;
        for (Region r : grid) {
            extentW = Math.max(extentW, r.x() + r.width());
            extentH = Math.max(extentH, r.y() + r.height());
        }
        double downsample = (double) Math.max(extentW, extentH) / maxSide;
        int w = (int) Math.max(1, Math.round(extentW / downsample));
        int h = (int) Math.max(1, Math.round(extentH / downsample));
        int sw = (int) Math.max(1, Math.min(w, Math.round(w0 / downsample)));
        int sh = (int) Math.max(1, Math.min(h, Math.round(h0 / downsample)));

        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(OUTSIDE));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(OUTSIDE_HATCH));
        for (int d = -h; d < w; d += 12) {
            g.drawLine(d, h, d + h, 0);
        }
        g.drawImage(Thumbnails.read(slide, sw, sh), 0, 0, null);

        // the mask's outline: picture pixels whose tissue state differs from a 4-neighbour's, inside the slide
        boolean[] tissue = new boolean[sw * sh];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int mx = (int) Math.min(mask.width() - 1, (long) ((x + 0.5) * downsample / mask.downsample()));
                int my = (int) Math.min(mask.height() - 1, (long) ((y + 0.5) * downsample / mask.downsample()));
                tissue[y * sw + x] = mask.isTissue(mx, my);
            }
        }
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                boolean t = tissue[y * sw + x];
                if (t && (x == 0 || y == 0 || x == sw - 1 || y == sh - 1 || !tissue[y * sw + x - 1]
                        || !tissue[y * sw + x + 1] || !tissue[(y - 1) * sw + x] || !tissue[(y + 1) * sw + x])) {
                    out.setRGB(x, y, OUTLINE);
                    if (x + 1 < sw) {
                        out.setRGB(x + 1, y, OUTLINE);
                    }
                }
            }
        }

        g.setColor(new Color(GRID));
        g.setStroke(new BasicStroke(Math.max(1f, maxSide / 512f)));
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        for (Region r : grid) {
            int x0 = (int) Math.round(r.x() / downsample);
            int y0 = (int) Math.round(r.y() / downsample);
            int x1 = (int) Math.round((r.x() + r.width()) / downsample) - 1;
            int y1 = (int) Math.round((r.y() + r.height()) / downsample) - 1;
            g.drawRect(x0, y0, x1 - x0, y1 - y0);
            if (x1 - x0 > 24) {
                g.drawString(Integer.toString(r.index()), x0 + 4, y0 + 14);
            }
        }
        g.dispose();
        return new Picture(out, downsample);
    }
}
