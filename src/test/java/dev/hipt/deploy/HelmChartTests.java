package dev.hipt.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code helm lint} and {@code helm template} of {@code helm/hipt-service} (helm's own library through helm-java, no
 * helm binary), and what the rendered manifests promise an operator: settings the service really binds, probes on
 * the actuator paths it serves, a GPU only when asked for, workers that finish a region before they are killed.
 */
class HelmChartTests {

    static final Path CHART = Path.of("helm/hipt-service");
    static final String DEFAULT = "values.yaml";
    static final String PRODUCTION_GPU = "values-production-gpu.yaml";

    private static final BoundEnvironment BOUND = BoundEnvironment.load();

    static Manifests render(String valuesFile, Map<String, String> set) {
        var template = new Helm(CHART).template().withName("hipt").withNamespace("hipt")
                .withValuesFile(CHART.resolve(valuesFile));
        set.forEach(template::set);
        return Manifests.parse(template.call());
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void lintsCleanStrict(String values, @TempDir Path work) throws IOException {
        LintResult lint = new Helm(chartWithValues(values, work)).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    /**
     * The chart as {@code helm lint -f values} sees it: helm-java's lint takes no values file, so a copy of the
     * chart whose values.yaml is the defaults deep-merged with {@code values}.
     */
    private static Path chartWithValues(String values, Path work) throws IOException {
        if (values.equals(DEFAULT)) {
            return CHART;
        }
        Path copy = work.resolve(CHART.getFileName());
        try (var files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Yaml yaml = new Yaml();
        Map<String, Object> merged = yaml.load(Files.readString(CHART.resolve(DEFAULT)));
        deepMerge(merged, yaml.load(Files.readString(CHART.resolve(values))));
        Files.writeString(copy.resolve(DEFAULT), yaml.dump(merged));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static void deepMerge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested && into.get(key) instanceof Map<?, ?> existing) {
                deepMerge((Map<String, Object>) existing, (Map<String, Object>) nested);
            } else {
                into.put(key, value);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void rendersEveryObjectAnOperatorExpects(String values) {
        Manifests m = render(values, Map.of());

        assertThat(m.deployment("api")).isNotNull();
        assertThat(m.deployment("worker")).isNotNull();
        assertThat(m.all(Service.class)).hasSize(1);
        assertThat(m.all(ServiceAccount.class)).hasSize(1);
        assertThat(m.all(HorizontalPodAutoscaler.class)).singleElement()
                .satisfies(h -> assertThat(h.getSpec().getScaleTargetRef().getName())
                        .isEqualTo(m.deployment("api").getMetadata().getName()));
        assertThat(m.all(PodDisruptionBudget.class)).hasSize(2);
        assertThat(m.all(NetworkPolicy.class)).hasSize(2);
        assertThat(m.all(ConfigMap.class)).hasSize(1);
        for (String role : List.of("api", "worker")) {
            PodSpec pod = m.deployment(role).getSpec().getTemplate().getSpec();
            assertThat(pod.getServiceAccountName()).isEqualTo(m.all(ServiceAccount.class).get(0).getMetadata().getName());
            assertThat(pod.getContainers().get(0).getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(pod.getContainers().get(0).getResources().getLimits()).containsKey("memory");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void setsOnlyEnvironmentVariablesTheServiceBinds(String values) {
        assertThat(BOUND.hiptProperties()).as("configuration metadata of the hipt.* records")
                .contains("hipt.job.workers-per-device", "hipt.security.api-keys");
        Manifests m = render(values, Map.of());

        for (String role : List.of("api", "worker")) {
            assertThat(unbound(m, role)).as("%s variables no property binds", role).isEmpty();
        }
    }

    @Test
    void catchesAnEnvironmentVariableTheServiceDoesNotBind() {
        Manifests m = render(DEFAULT, Map.of("worker.extraEnv[0].name", "HIPT_JOB_WORKERS_PER_DEVICE",
                "worker.extraEnv[0].value", "2"));

        assertThat(unbound(m, "worker")).containsExactly("HIPT_JOB_WORKERS_PER_DEVICE");
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void apiPodsRunNoAnalysesAndWorkersDo(String values) {
        Manifests m = render(values, Map.of());

        assertThat(m.environment(container(m, "api"))).containsEntry("HIPT_JOB_WORKERSPERDEVICE", "0");
        assertThat(Integer.parseInt(m.environment(container(m, "worker")).get("HIPT_JOB_WORKERSPERDEVICE")))
                .isPositive();
        assertThat(m.environment(container(m, "worker"))).containsEntry("SPRING_PROFILES_ACTIVE", "postgres");
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void probesUseTheActuatorHealthGroupsTheServiceServes(String values) {
        ActuatorPaths actuator = ActuatorPaths.fromApplicationYml();
        Manifests m = render(values, Map.of());

        for (String role : List.of("api", "worker")) {
            Container c = container(m, role);
            assertThat(path(c, c.getLivenessProbe())).isEqualTo(actuator.liveness());
            assertThat(path(c, c.getReadinessProbe())).isEqualTo(actuator.readiness());
            assertThat(path(c, c.getStartupProbe())).isEqualTo(actuator.liveness());
        }
    }

    @Test
    void requestsAGpuOnlyWhenAsked() {
        Manifests cpu = render(DEFAULT, Map.of());
        Manifests gpu = render(DEFAULT, Map.of("worker.gpu.enabled", "true"));

        assertThat(gpuCount(cpu, "worker")).isNull();
        assertThat(gpuCount(cpu, "api")).isNull();
        assertThat(cpu.deployment("worker").getSpec().getTemplate().getSpec().getTolerations()).isEmpty();
        assertThat(gpuCount(gpu, "worker")).isEqualTo(new Quantity("1"));
        assertThat(gpuCount(gpu, "api")).isNull();
        assertThat(gpu.deployment("worker").getSpec().getTemplate().getSpec().getTolerations())
                .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
        assertThat(gpuCount(render(PRODUCTION_GPU, Map.of()), "worker")).isEqualTo(new Quantity("1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {DEFAULT, PRODUCTION_GPU})
    void workersMayFinishTheirRegionBeforeTheyAreKilled(String values) {
        Manifests m = render(values, Map.of());
        PodSpec worker = m.deployment("worker").getSpec().getTemplate().getSpec();
        Duration shutdownMaxWait = Duration.parse("PT" + m.environment(container(m, "worker"))
                .get("HIPT_JOB_SHUTDOWNMAXWAIT").toUpperCase());

        assertThat(worker.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(300);
        assertThat(shutdownMaxWait).isLessThan(Duration.ofSeconds(worker.getTerminationGracePeriodSeconds()))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void workersAcceptNoTrafficAndTheApiOnlyFromTheIngressController() {
        Manifests m = render(DEFAULT, Map.of());

        NetworkPolicy worker = m.one(NetworkPolicy.class, p -> "worker".equals(
                p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component")));
        assertThat(worker.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(worker.getSpec().getIngress()).isEmpty();
        NetworkPolicy api = m.one(NetworkPolicy.class, p -> "api".equals(
                p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component")));
        assertThat(api.getSpec().getIngress()).singleElement().satisfies(rule -> assertThat(rule.getFrom())
                .anySatisfy(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                        .containsEntry("kubernetes.io/metadata.name", "ingress-nginx")));
    }

    @Test
    void ingressLetsMultiGigabyteUploadsThroughUnbuffered() {
        Ingress ingress = render(PRODUCTION_GPU, Map.of()).all(Ingress.class).get(0);

        assertThat(ingress.getMetadata().getAnnotations())
                .containsEntry("nginx.ingress.kubernetes.io/proxy-request-buffering", "off")
                .containsKeys("nginx.ingress.kubernetes.io/proxy-body-size",
                        "nginx.ingress.kubernetes.io/proxy-read-timeout",
                        "nginx.ingress.kubernetes.io/proxy-send-timeout");
        assertThat(render(DEFAULT, Map.of()).all(Ingress.class)).isEmpty();
    }

    @Test
    void keepsCredentialsInASecretOrTheOperatorsExistingOne() {
        Manifests own = render(DEFAULT, Map.of());
        Manifests existing = render(PRODUCTION_GPU, Map.of());

        assertThat(own.all(Secret.class)).hasSize(1);
        assertThat(existing.all(Secret.class)).isEmpty();
        for (Manifests m : List.of(own, existing)) {
            Container api = container(m, "api");
            assertThat(api.getEnv()).filteredOn(e -> e.getName().matches(".*(PASSWORD|SECRETKEY|KEYSHA256)"))
                    .isNotEmpty()
                    .allSatisfy(e -> assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull());
            assertThat(m.configMap(api.getEnvFrom().get(0).getConfigMapRef().getName()).getData().keySet())
                    .noneMatch(k -> k.matches(".*(PASSWORD|SECRETKEY|KEYSHA256)"));
        }
    }

    @Test
    void strictParsingRefusesAFieldKubernetesDoesNotKnow() {
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                        - name: x
                          readinesProbe: {httpGet: {path: /actuator/health/readiness, port: http}}
                """;

        assertThatThrownBy(() -> Manifests.parse(typo)).hasMessageContaining("readinesProbe");
    }

    @Test
    void documentsEveryValueInValuesYamlAndTheReadme() throws IOException {
        List<String> lines = Files.readAllLines(CHART.resolve(DEFAULT));
        String readme = Files.readString(Path.of("README.md"));
        Deque<Map.Entry<Integer, String>> path = new ArrayDeque<>();
        Set<String> documented = new HashSet<>();
        List<String> undocumented = new ArrayList<>();
        boolean comment = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String text = line.strip();
            if (text.startsWith("# --")) {
                comment = true;
            }
            var key = Pattern.compile("^(\\s*)([A-Za-z][\\w.-]*):(.*)$").matcher(line);
            if (!key.matches()) {
                continue;
            }
            int indent = key.group(1).length();
            while (!path.isEmpty() && path.peek().getKey() >= indent) {
                path.pop();
            }
            path.push(Map.entry(indent, key.group(2)));
            List<String> names = new ArrayList<>(path.stream().map(Map.Entry::getValue).toList());
            Collections.reverse(names);
            String name = String.join(".", names);
            if (comment) {
                documented.add(name);
            }
            comment = false;
            boolean leaf = !key.group(3).isBlank() || i + 1 == lines.size()
                    || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() <= indent;
            if (leaf && documented.stream().noneMatch(d -> name.equals(d) || name.startsWith(d + "."))) {
                undocumented.add(name);
            }
        }

        assertThat(undocumented).as("values without a '# --' comment in values.yaml").isEmpty();
        assertThat(documented).as("values missing from the README's values table")
                .allSatisfy(name -> assertThat(readme).contains("| `" + name + "` |"));
    }

    private static List<String> unbound(Manifests m, String role) {
        return m.environment(container(m, role)).keySet().stream()
                .filter(name -> name.startsWith("HIPT_") || name.startsWith("SPRING_"))
                .filter(name -> !BOUND.binds(name)).toList();
    }

    private static Container container(Manifests m, String role) {
        return m.deployment(role).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static String path(Container c, Probe probe) {
        assertThat(probe).as("probe of %s", c.getName()).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo(get.getPort().getStrVal()));
        return get.getPath();
    }

    private static Quantity gpuCount(Manifests m, String role) {
        var resources = container(m, role).getResources();
        Quantity limit = resources.getLimits() == null ? null : resources.getLimits().get("nvidia.com/gpu");
        Quantity request = resources.getRequests() == null ? null : resources.getRequests().get("nvidia.com/gpu");
        return limit != null ? limit : request;
    }
}
