package dev.hipt.system;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * API-key security ({@code hipt.security.*}). Keys are configured hashed, never in clear:
 * <pre>
 * hipt.security.api-keys[0].name=lims
 * hipt.security.api-keys[0].role=CLIENT
 * hipt.security.api-keys[0].key-sha256=&lt;printf %s 'the-key' | sha256sum&gt;
 * </pre>
 * With no key configured every {@code /api/**} call answers 401.
 *
 * @param apiKeys       the callers allowed to use the API
 * @param metricsPublic whether {@code /actuator/prometheus} answers without a key (a scraper inside the cluster);
 *                      false: only keys of role {@code METRICS} or {@code ADMIN} may scrape
 */
@ConfigurationProperties("hipt.security")
public record SecurityProperties(List<ApiKey> apiKeys, boolean metricsPublic) {

    @ConstructorBinding
    public SecurityProperties(List<ApiKey> apiKeys, @DefaultValue("true") boolean metricsPublic) {
        this.apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        this.metricsPublic = metricsPublic;
    }

    /** Keys only, Prometheus metrics public. */
    public SecurityProperties(List<ApiKey> apiKeys) {
        this(apiKeys, true);
    }

    /**
     * One caller's key.
     *
     * @param name      a label for the caller, e.g. {@code lims}; appears in logs, never the key
     * @param role      {@code CLIENT} (slides, jobs, results), {@code ADMIN} (also {@code /api/v1/admin/**}) or
     *                  {@code METRICS} (only {@code /actuator/prometheus} and health details: a scrape key)
     * @param keySha256 lowercase or uppercase hex SHA-256 of the key the caller sends in {@code X-API-Key}
     */
    public record ApiKey(String name, Role role, String keySha256) {
    }

    /** What a key may do; ADMIN includes everything CLIENT may; METRICS may only scrape and see health details. */
    public enum Role {
        CLIENT, ADMIN, METRICS
    }
}
