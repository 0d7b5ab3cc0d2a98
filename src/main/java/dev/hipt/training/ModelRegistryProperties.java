package dev.hipt.training;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The model registry's settings ({@code hipt.model.registry.*}).
 *
 * @param allowedDirs   directories on the server from which an admin may register a checkpoint by path
 *                      ({@code POST /api/v1/admin/models} with {@code {"path": ...}}); empty (the default) refuses
 *                      every path with MODEL_PATH_NOT_ALLOWED
 * @param maxUploadSize the largest checkpoint an upload may carry; default 4GB
 * @param pollInterval  how often each replica checks whether the active models changed; default 2s
 */
@ConfigurationProperties("hipt.model.registry")
public record ModelRegistryProperties(List<Path> allowedDirs, @DefaultValue("4GB") DataSize maxUploadSize,
                                      @DefaultValue("2s") Duration pollInterval) {

    public ModelRegistryProperties {
        allowedDirs = allowedDirs == null ? List.of() : List.copyOf(allowedDirs);
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("hipt.model.registry.poll-interval must be positive, was "
                    + pollInterval);
        }
    }
}
