package dev.hipt.slide;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Resolves what a caller calls a slide (its id, or the LIMS's externalId) to stored slides. */
public interface SlideIdentities {

    /** Those of {@code ids} that are stored slides. */
    Set<UUID> existing(Collection<UUID> ids);

    /** The slides recorded with each of these externalIds (an externalId may name several slides, or none). */
    Map<String, List<UUID>> byExternalId(Collection<String> externalIds);
}
