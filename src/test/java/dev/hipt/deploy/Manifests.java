package dev.hipt.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The output of {@code helm template}, parsed strictly into the Kubernetes object model: a field the model does not
 * know (a typo such as {@code readinesProbe}, a field at the wrong level) fails the parse instead of landing in the
 * model's catch-all {@code additionalProperties}, so the manifests are what a cluster would accept.
 */
final class Manifests {

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "v1/Service", Service.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "networking.k8s.io/v1/Ingress", Ingress.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(new SimpleModule().setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                                                             BeanDeserializerBuilder builder) {
                    builder.setAnySetter(null);   // no catch-all: unknown fields are errors
                    return builder;
                }
            }));

    private final List<HasMetadata> objects;

    private Manifests(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** Parses a multi-document YAML stream; fails on a kind this chart should not render or on an unknown field. */
    static Manifests parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) document;
            String key = map.get("apiVersion") + "/" + map.get("kind");
            Class<? extends HasMetadata> type = KINDS.get(key);
            if (type == null) {
                throw new IllegalArgumentException("unexpected object " + key + " in the rendered chart");
            }
            try {
                objects.add(STRICT.convertValue(map, type));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + " " + map.get("metadata") + ": " + e.getMessage(), e);
            }
        }
        return new Manifests(objects);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, Predicate<T> which) {
        List<T> found = all(type).stream().filter(which).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The Deployment of one role ({@code app.kubernetes.io/component} label: api or worker). */
    Deployment deployment(String component) {
        return one(Deployment.class, d -> component.equals(d.getMetadata().getLabels().get("app.kubernetes.io/component")));
    }

    /**
     * Every environment variable a container gets, by name: its {@code env} entries plus the keys of the ConfigMaps and
     * Secrets of this render that it imports with {@code envFrom} (the value is null where it comes from a Secret or a
     * {@code valueFrom}).
     */
    Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            String prefix = Objects.toString(from.getPrefix(), "");
            if (from.getConfigMapRef() != null) {
                configMap(from.getConfigMapRef().getName()).getData().forEach((k, v) -> env.put(prefix + k, v));
            }
            if (from.getSecretRef() != null) {
                all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(from.getSecretRef().getName()))
                        .flatMap(s -> Stream.concat(keys(s.getData()), keys(s.getStringData())))
                        .forEach(k -> env.put(prefix + k, null));
            }
        }
        for (EnvVar var : container.getEnv()) {
            env.put(var.getName(), var.getValue());
        }
        return env;
    }

    ConfigMap configMap(String name) {
        return one(ConfigMap.class, c -> c.getMetadata().getName().equals(name));
    }

    private static Stream<String> keys(Map<String, String> map) {
        return map == null ? Stream.empty() : map.keySet().stream();
    }
}
