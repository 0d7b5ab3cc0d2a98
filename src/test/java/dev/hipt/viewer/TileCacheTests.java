package dev.hipt.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TileCacheTests {

    @Test
    void dropsTheLeastRecentlyUsedTileToStayWithinItsBudget() {
        TileCache cache = new TileCache(100);
        cache.put("a", new byte[40]);
        cache.put("b", new byte[40]);
        assertThat(cache.get("a")).isPresent(); // a is now more recent than b
        cache.put("c", new byte[40]);
        assertThat(cache.get("b")).isEmpty();
        assertThat(cache.get("a")).isPresent();
        assertThat(cache.get("c")).isPresent();
        assertThat(cache.bytes()).isEqualTo(80);
    }

    @Test
    void replacingATileCountsItsBytesOnce() {
        TileCache cache = new TileCache(100);
        cache.put("a", new byte[40]);
        cache.put("a", new byte[60]);
        assertThat(cache.bytes()).isEqualTo(60);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void neverKeepsATileLargerThanTheBudget() {
        TileCache cache = new TileCache(100);
        cache.put("small", new byte[10]);
        cache.put("huge", new byte[101]);
        assertThat(cache.get("huge")).isEmpty();
        assertThat(cache.get("small")).isPresent();
    }
}
