package dev.hipt.job;

import dev.hipt.job.CheckpointModelProvider.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Adds {@code models} to {@code /actuator/info}: state, model version, untrained flag, checkpoint sha256s, device,
 * precision and whether the device runs it natively ({@code precisionNative});
 * and, for callers with an API key only, the reason of a failure (it names checkpoint files and their paths).
 */
@Component
class ModelsInfoContributor implements InfoContributor {

    private final CheckpointModelProvider provider;

    ModelsInfoContributor(CheckpointModelProvider provider) {
        this.provider = provider;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Status status = provider.status();
        Map<String, Object> models = new LinkedHashMap<>();
        models.put("state", status.state().name());
        models.put("devicePreference", provider.device().name().toLowerCase(java.util.Locale.ROOT));
        if (status.device() != null) {
            models.put("device", status.device());
        }
        if (status.provenance() != null) {
            models.put("modelVersion", status.provenance().modelVersion());
            models.put("untrained", status.provenance().untrained());
            models.put("checkpoints", status.provenance().checkpointSha256());
            models.put("precision", status.provenance().precision());
            models.put("precisionNative", status.precisionNative());
        }
        if (status.reason() != null && authenticated()) {
            models.put("reason", status.reason());
        }
        builder.withDetail("models", models);
    }

    private static boolean authenticated() {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        return caller != null && caller.isAuthenticated() && !(caller instanceof AnonymousAuthenticationToken);
    }
}
