package dev.hipt.slide;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A slide row with its levels, as stored. */
record Slide(UUID id, String externalId, String filename, String sha256, long sizeBytes, String blobKey,
             String format, String vendor, long width, long height, List<SlideView.LevelView> levels, Double mppX,
             Double mppY, String mppSource, Double objectivePower, Instant createdAt, long version) {
}
