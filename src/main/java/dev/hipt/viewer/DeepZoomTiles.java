package dev.hipt.viewer;

import dev.hipt.results.LatestAnalysis;
import dev.hipt.results.RegionResult;
import dev.hipt.slide.SlideImages;
import dev.hipt.system.ApiException;
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

    /** 404: the tile's level, column or row lies outside the image. */
    static final String TILE_NOT_FOUND = "TILE_NOT_FOUND";
    /** 404: no heatmap layer of that name, or none the slide's analysis has. */
    static final String LAYER_NOT_FOUND = "LAYER_NOT_FOUND";
    /** 503: every tile read is busy; try again after Retry-After. */
    static final String TILES_BUSY = "TILES_BUSY";

    private static final int GEOMETRIES = 256;

    private final SlideImages slides;
    private final LatestAnalysis analyses;
    private final ViewerProperties properties;
    private final List<OverlayLayer> layers;
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

    DeepZoomTiles(SlideImages slides, LatestAnalysis analyses, ViewerProperties properties) {
        this.slides = slides;
        this.analyses = analyses;
        this.properties = properties;
        this.layers = List.of(OverlayLayer.TISSUE_FRACTION);
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

    List<OverlayLayer> layers() {
        return layers;
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
            try (SlideImages.Opened opened = slides.open(id)) {
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
        BufferedImage image = new BufferedImage(tile.width(), tile.height(), BufferedImage.TYPE_INT_ARGB);
        double downsample = overlay.zoom().downsample(tile.level());
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
            int argb = 0xff000000 | OverlayLayer.jet(score.getAsDouble());
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
        OverlayLayer layer = layers.stream().filter(l -> l.name().equals(layerName)).findFirst()
                .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, LAYER_NOT_FOUND, "No heatmap layer '"
                        + layerName + "'; the slide's layers are listed by GET /api/v1/slides/" + id + "/overlays"));
        LatestAnalysis.Regions regions = regions(id);
        return new Overlay(layer, regions, geometry(id, sha256), sha256);
    }

    /** The regions of the slide's newest analysis; 404 {@code RESULTS_NOT_FOUND} when it has none. */
    LatestAnalysis.Regions regions(UUID id) {
        return analyses.regions(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                LatestAnalysis.RESULTS_NOT_FOUND, "Slide " + id + " has no analysis results (not analysed yet,"
                + " analysis not finished, or no such slide)."));
    }

    private record Overlay(OverlayLayer layer, LatestAnalysis.Regions regions, DeepZoom zoom, String sha256) {

        String etag(String what) {
            return DeepZoomTiles.etag(sha256, layer.name(), regions.modelVersion(),
                    regions.createdAt().toInstant().toEpochMilli(), zoom.tileSize(), zoom.overlap(), what);
        }
    }

    private DeepZoom geometry(UUID id, String sha256) throws IOException {
        DeepZoom known = geometries.get(sha256);
        if (known != null) {
            return known;
        }
        return withRead(() -> {
            try (SlideImages.Opened opened = slides.open(id)) {
                return geometry(sha256, opened.image().metadata());
            }
        });
    }

    private DeepZoom geometry(String sha256, SlideMetadata metadata) {
        return geometries.computeIfAbsent(sha256, key -> new DeepZoom(metadata.width(), metadata.height(),
                metadata.levels(), properties.tileSize(), properties.overlap()));
    }

    private static DeepZoom.Tile tileOf(DeepZoom zoom, int level, long col, long row) {
        return zoom.tile(level, col, row).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, TILE_NOT_FOUND,
                "No tile " + col + "_" + row + " at Deep Zoom level " + level + ": the image has levels 0 to "
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
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, TILES_BUSY, "Every tile read is busy ("
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
