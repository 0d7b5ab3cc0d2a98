package dev.hipt.slide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hipt.TestSlideImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads of a slide's pixels (tissue QC pictures, Deep Zoom tiles) racing {@code DELETE /api/v1/slides/{id}} over
 * real HTTP: a client whose slide was deleted meanwhile is told "not found", never that the slide is corrupt. The
 * pure-Java PNG reader opens the file again for every read, so a delete lands in the middle of reads.
 */
class SlideDeleteRaceIntegrationTests extends SlideIntegrationTestSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int READERS = 4;
    private static final int ROUNDS = 4;
    /** Answers the readers must have had before the delete is sent, so that it lands among reads in flight. */
    private static final int ANSWERS_BEFORE_DELETE = 8;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Seen(String path, int status, String code) {
    }

    @Test
    void readsRacingADeleteAnswerTheImageOrNotFoundNeverCorruptSlide() throws Exception {
        List<Seen> seen = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            seen.addAll(readWhileDeleting(round));
        }

        assertThat(seen).as("every read answered the image or not found")
                .allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isIn(200, 404));
        assertThat(seen).filteredOn(answer -> answer.status() == 404).as("not found, with the service's code")
                .isNotEmpty()
                .allSatisfy(answer -> assertThat(answer.code()).as(answer.toString()).isEqualTo("NOT_FOUND"));
        assertThat(seen).filteredOn(answer -> answer.status() == 200).as("reads before the delete succeeded")
                .isNotEmpty();
    }

    private List<Seen> readWhileDeleting(int round) throws Exception {
        Answer uploaded = uploadMultipart("race-" + round + ".png", tissuePng(round), Map.of("mpp", "0.5"));
        assertThat(uploaded.status()).as(uploaded.body()).isIn(200, 202);
        String id = uploaded.json().path("slide").path("id").asString();
        List<String> paths = readPaths(id);

        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        CountDownLatch reading = new CountDownLatch(ANSWERS_BEFORE_DELETE);
        AtomicBoolean deleted = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(READERS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                List<String> order = new ArrayList<>(paths);
                Collections.shuffle(order, new Random(round * 31L + r));
                running.add(readers.submit(() -> {
                    int next = 0;
                    // read until an answer that started after the delete returned has come back
                    while (true) {
                        boolean after = deleted.get();
                        String path = order.get(next++ % order.size());
                        seen.add(fetch(path));
                        reading.countDown();
                        if (after) {
                            return null;
                        }
                    }
                }));
            }
            assertThat(reading.await(2, TimeUnit.MINUTES)).as("the readers got answers").isTrue();
            Answer delete = delete("/api/v1/slides/" + id);
            assertThat(delete.status()).as(delete.body()).isEqualTo(204);
            deleted.set(true);
            for (Future<?> reader : running) {
                reader.get(2, TimeUnit.MINUTES);
            }
        } finally {
            readers.shutdownNow();
        }
        return List.copyOf(seen);
    }

    /** The QC pictures at a few sizes and the Deep Zoom tiles of the three finest levels: all exist. */
    private List<String> readPaths(String id) {
        String base = "/api/v1/slides/" + id;
        List<String> paths = new ArrayList<>();
        paths.add(base + "/tissue/mask.png");
        for (int side : List.of(64, 128, 256, 512)) {
            paths.add(base + "/tissue/overlay.png?maxSide=" + side);
        }
        Answer dzi = get(base + "/dzi", CLIENT_KEY);
        assertThat(dzi.status()).as(dzi.body()).isEqualTo(200);
        int tileSize = attribute(dzi.body(), "TileSize");
        long width = attribute(dzi.body(), "Width");
        long height = attribute(dzi.body(), "Height");
        int finest = 64 - Long.numberOfLeadingZeros(Math.max(width, height) - 1);
        for (int level = finest; level > finest - 3; level--) {
            long scale = 1L << (finest - level);
            long w = (width + scale - 1) / scale;
            long h = (height + scale - 1) / scale;
            for (long col = 0; col * tileSize < w; col++) {
                for (long row = 0; row * tileSize < h; row++) {
                    paths.add(base + "/dzi_files/" + level + "/" + col + "_" + row + ".jpeg");
                }
            }
        }
        return paths;
    }

    private static int attribute(String xml, String name) {
        Matcher matcher = Pattern.compile(name + "=\"(\\d+)\"").matcher(xml);
        assertThat(matcher.find()).as(name + " in " + xml).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private Seen fetch(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("X-API-Key", CLIENT_KEY)
                .GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            String code = null;
            if (response.headers().firstValue("Content-Type").orElse("").contains("json")) {
                code = JSON.readTree(new String(response.body(), StandardCharsets.UTF_8)).path("code").asString();
            }
            return new Seen(path, response.statusCode(), code);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A 2000 x 1500 pink disc on white, its colour shifted by {@code seed} so that no upload deduplicates. */
    private static byte[] tissuePng(int seed) {
        BufferedImage image = new BufferedImage(2000, 1500, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(new Color(0xD9, 0x8F - seed, 0xBF));
            g.fillOval(300, 200, 1200, 1100);
        } finally {
            g.dispose();
        }
        return TestSlideImages.png(image);
    }
}
