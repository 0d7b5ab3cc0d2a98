package dev.hipt.results;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the in-memory similar-slides index ({@code hipt.results.similar-index.*}).
 *
 * @param pollInterval how often each replica applies the slide results other replicas wrote or deleted; default 2s
 */
@ConfigurationProperties("hipt.results.similar-index")
public record SimilarIndexProperties(@DefaultValue("2s") Duration pollInterval) {

    public SimilarIndexProperties {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("hipt.results.similar-index.poll-interval must be positive, was "
                    + pollInterval);
        }
    }
}
