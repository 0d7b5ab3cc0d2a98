package dev.hipt.heatmap;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the attention heatmaps ({@code hipt.heatmap.*}).
 *
 * @param offsets whether a region's attention maps are smoothed as HIPT's figures are: the region is encoded again
 *                shifted by 128, 256 and 384 px (padded white at the bottom and right), each pass's percentile maps
 *                are pasted back at their offset and averaged over the passes that cover a pixel (ViT-4K over all
 *                four passes, ViT-256 over the first two). Costs four model passes per region instead of one.
 */
@ConfigurationProperties("hipt.heatmap")
record HeatmapProperties(@DefaultValue("false") boolean offsets) {
}
