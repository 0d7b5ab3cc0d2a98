package dev.hipt.viewer;

import dev.hipt.heatmap.SlideOverlays;
import dev.hipt.results.AnalysedSlide;
import dev.hipt.results.AnalysedSlides;
import dev.hipt.results.RegionResult;
import dev.hipt.slide.SlideImages;
import dev.hipt.system.ApiException;
import dev.hipt.system.ErrorCodes;
import dev.hipt.wsi.RgbImage;
import dev.hipt.wsi.SlideMetadata;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Deep Zoom descriptors and tiles of slides and of their heatmap layers. Slide tiles are read with the slide's
 * reader (OpenSlide for whole-slide formats), each read opening the slide and closing it again before the answer is
 * written, so that nothing stays open when a client goes away. Encoded tiles are cached in memory under their ETag;
 * at most {@link ViewerProperties#maxConcurrentTileReads()} tiles are read and rendered at once, a request over the
 * bound waits {@link ViewerProperties#tileReadWait()} and then answers 503 {@code TILES_BUSY}.
 */
@Service
class DeepZoomTiles {

    private static final int GEOMETRIES = 256;

    private final SlideImages slides;
    private final AnalysedSlides analyses;
    private final SlideOverlays heatmaps;
    private final ViewerProperties properties;
    private final List<ViewerLayer> layers;
    private final TileCache cache;
    private final Semaphore reads;
    /** Slide geometry by file SHA-256: overlay tiles and out-of-range checks need no slide read. */
    private final Map<String, DeepZoom> geometries = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, DeepZoom> eldest) {
                    return size() > GEOMETRIES;
                }
            });

    DeepZoomTiles(SlideImages slides, AnalysedSlides analyses, SlideOverlays heatmaps, ViewerProperties properties) {
        this.slides = slides;
        this.analyses = analyses;
        this.heatmaps = heatmaps;
        this.properties = properties;
        this.layers = List.of(ViewerLayer.TISSUE_FRACTION, ViewerLayer.ATTENTION_4K);
        this.cache = new TileCache(properties.tileCacheSize().toBytes());
        this.reads = new Semaphore(properties.maxConcurrentTileReads(), true);
    }

    /** An encoded tile or descriptor and its ETag (quoted). */
    record Answer(byte[] body, String etag) {
    }

    /** The permits of concurrent tile reads (tests take them to see the bound). */
    Semaphore reads() {
        return reads;
    }

    /**
     * The layers the slide's analysis has: the per-region ones always, a drawn one when the {@code heatmap} feature
     * can draw it (the ViT-4K attention needs the stored maps or the models that analysed the slide).
     */
    List<ViewerLayer> layers(AnalysedSlide analysis) {
        return layers.stream().filter(layer -> layer.drawn() == null || drawable(analysis, layer)).toList();
    }

    private boolean drawable(AnalysedSlide analysis, ViewerLayer layer) {
        try {
            heatmaps.layer(analysis.slideId(), layer.drawn(), 0, 0, 1, 1, 1, 1);
            return true;
        } catch (ApiException unavailable) {
            return false;
        }
    }

    /** The slide's DZI descriptor with JPEG tiles. */
    Answer descriptor(UUID id) throws IOException {
        String sha256 = slides.sha256(id);
        DeepZoom zoom = geometry(id, sha256);
        return new Answer(zoom.descriptor("jpeg").getBytes(StandardCharsets.UTF_8),
                etag(sha256, "dzi", zoom.tileSize(), zoom.overlap()));
    }

    /** The ETag of a slide tile, known without reading it (a {@code 304} needs no read). */
    String slideTileEtag(UUID id, int level, long col, long row) {
        return etag(slides.sha256(id), "jpeg", properties.tileSize(), properties.overlap(), level, col, row);
    }

    /** A JPEG slide tile. */
    Answer slideTile(UUID id, int level, long col, long row) throws IOException {
        String sha256 = slides.sha256(id);
        String etag = etag(sha256, "jpeg", properties.tileSize(), properties.overlap(), level, col, row);
        Optional<byte[]> cached = cache.get(etag);
        if (cached.isPresent()) {
            return new Answer(cached.get(), etag);
        }
        DeepZoom known = geometries.get(sha256);
        if (known != null) {
            tileOf(known, level, col, row);
        }
        byte[] jpeg = withRead(() -> {
            try (SlideImages.OpenedSlideImage opened = slides.open(id)) {
                DeepZoom zoom = geometry(sha256, opened.image().metadata());
                DeepZoom.Tile tile = tileOf(zoom, level, col, row);
                RgbImage pixels = opened.image().readRegion(tile.slideLevel(), tile.x0(), tile.y0(),
                        tile.readWidth(), tile.readHeight());
                return TileImages.jpeg(TileImages.scaled(pixels, tile.width(), tile.height()),
                        properties.jpegQuality());
            }
        });
        cache.put(etag, jpeg);
        return new Answer(jpeg, etag);
    }

    /** The layer's DZI descriptor (PNG tiles), the slide's geometry. */
    Answer overlayDescriptor(UUID id, String layerName) throws IOException {
        Overlay overlay = overlay(id, layerName);
        return new Answer(overlay.zoom().descriptor("png").getBytes(StandardCharsets.UTF_8), overlay.etag("dzi"));
    }

    /** The ETag of an overlay tile: the slide, the analysis and the tile. */
    String overlayTileEtag(UUID id, String layerName, int level, long col, long row) throws IOException {
        return overlay(id, layerName).etag(level + "-" + col + "-" + row);
    }

    /** A PNG tile of a heatmap layer: the regions' colours, transparent elsewhere. */
    Answer overlayTile(UUID id, String layerName, int level, long col, long row) throws IOException {
        Overlay overlay = overlay(id, layerName);
        String etag = overlay.etag(level + "-" + col + "-" + row);
        Optional<byte[]> cached = cache.get(etag);
        if (cached.isPresent()) {
            return new Answer(cached.get(), etag);
        }
        DeepZoom.Tile tile = tileOf(overlay.zoom(), level, col, row);
        byte[] png = withRead(() -> TileImages.png(paint(overlay, tile)));
        cache.put(etag, png);
        return new Answer(png, etag);
    }

    private BufferedImage paint(Overlay overlay, DeepZoom.Tile tile) {
        double downsample = overlay.zoom().downsample(tile.level());
        if (overlay.layer().drawn() != null) {
            return heatmaps.layer(overlay.regions().slideId(), overlay.layer().drawn(),
                    Math.round(tile.zX() * downsample), Math.round(tile.zY() * downsample),
                    Math.round(tile.width() * downsample), Math.round(tile.height() * downsample), tile.width(),
                    tile.height());
        }
        BufferedImage image = new BufferedImage(tile.width(), tile.height(), BufferedImage.TYPE_INT_ARGB);
        for (RegionResult region : overlay.regions().regions()) {
            OptionalDouble score = overlay.layer().score().apply(region);
            if (score.isEmpty()) {
                continue;
            }
            // the region's level-0 rectangle in this tile's pixels, half-open, at least one pixel
            int x0 = clamp(Math.floor(region.x() / downsample) - tile.zX(), tile.width());
            int y0 = clamp(Math.floor(region.y() / downsample) - tile.zY(), tile.height());
            int x1 = clamp(Math.ceil((region.x() + region.width()) / downsample) - tile.zX(), tile.width());
            int y1 = clamp(Math.ceil((region.y() + region.height()) / downsample) - tile.zY(), tile.height());
            if (x1 <= x0 || y1 <= y0) {
                continue;
            }
            int argb = 0xff000000 | ViewerLayer.jet(score.getAsDouble());
            int[] row = new int[x1 - x0];
            Arrays.fill(row, argb);
            for (int y = y0; y < y1; y++) {
                image.setRGB(x0, y, x1 - x0, 1, row, 0, row.length);
            }
        }
        return image;
    }

    private static int clamp(double value, int limit) {
        return (int) Math.max(0, Math.min(limit, value));
    }

    private Overlay overlay(UUID id, String layerName) throws IOException {
        String sha256 = slides.sha256(id);
        AnalysedSlide regions = regions(id);
        ViewerLayer layer = layers.stream().filter(l -> l.name().equals(layerName)).findFirst()
                .filter(l -> l.drawn() == null || drawable(regions, l))
                .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, ErrorCodes.LAYER_NOT_FOUND,
                        "No heatmap layer '" + layerName + "'; the slide's layers are listed by GET /api/v1/slides/"
                        + id + "/overlays"));
        return new Overlay(layer, regions, geometry(id, sha256), sha256);
    }

    /** The slide's newest analysis; 404 {@code RESULTS_NOT_FOUND} when it has none. */
    AnalysedSlide regions(UUID id) {
        slides.sha256(id);
        return analyses.newest(id, false);
    }

    private record Overlay(ViewerLayer layer, AnalysedSlide regions, DeepZoom zoom, String sha256) {

        /** The slide, the layer, the analysis (model version and its region grid with scores) and the tile. */
        String etag(String what) {
            StringBuilder grid = new StringBuilder();
            for (RegionResult r : regions.regions()) {
                grid.append(r.x()).append(',').append(r.y()).append(',').append(r.width()).append(',')
                        .append(r.height()).append(',').append(r.tissueFraction()).append(';');
            }
            return DeepZoomTiles.etag(sha256, layer.name(), regions.modelVersion(), grid, zoom.tileSize(),
                    zoom.overlap(), what);
        }
    }

    private DeepZoom geometry(UUID id, String sha256) throws IOException {
        DeepZoom known = geometries.get(sha256);
        if (known != null) {
            return known;
        }
        return withRead(() -> {
            try (SlideImages.OpenedSlideImage opened = slides.open(id)) {
                return geometry(sha256, opened.image().metadata());
            }
        });
    }

    private DeepZoom geometry(String sha256, SlideMetadata metadata) {
        return geometries.computeIfAbsent(sha256, key -> new DeepZoom(metadata.width(), metadata.height(),
                metadata.levels(), properties.tileSize(), properties.overlap()));
    }

    private static DeepZoom.Tile tileOf(DeepZoom zoom, int level, long col, long row) {
        return zoom.tile(level, col, row).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                ErrorCodes.TILE_NOT_FOUND, "No tile " + col + "_" + row + " at Deep Zoom level " + level
                + ": the image has levels 0 to "
                + (zoom.levelCount() - 1) + (level >= 0 && level < zoom.levelCount()
                ? " and " + zoom.tiles(level)[0] + " x " + zoom.tiles(level)[1] + " tiles at this level" : "")));
    }

    private interface Read<T> {
        T run() throws IOException;
    }

    private <T> T withRead(Read<T> read) throws IOException {
        boolean acquired;
        try {
            acquired = reads.tryAcquire(properties.tileReadWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        if (!acquired) {
            throw busy();
        }
        try {
            return read.run();
        } finally {
            reads.release();
        }
    }

    private ApiException busy() {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter().toSeconds())));
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ErrorCodes.TILES_BUSY, "Every tile read is busy ("
                + properties.maxConcurrentTileReads() + " at once); try again shortly", headers, null);
    }

    private Duration retryAfter() {
        return properties.tileReadWait().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : properties.tileReadWait();
    }

    /** A quoted ETag: a digest of the parts, which include the slide file's SHA-256. */
    static String etag(Object... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Object part : parts) {
                digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return "\"" + HexFormat.of().formatHex(digest.digest(), 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
