package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flycast.Flycast;
import io.flycast.Main;
import io.flycast.e2e.OperatorPermissions.Permission;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The Helm chart in {@code charts/flycast}, checked with the real helm binary: lint, the objects
 * {@code helm template} renders for the defaults and the main switches, schema rejection of typos,
 * least-privilege RBAC that still grants every call the operator makes, and CRDs that cannot drift
 * from the generated ones in {@code crds/}.
 */
class HelmChartE2E {
  static final String RELEASE = "fc";
  static final String NAMESPACE = "flycast-system";
  static final String FULLNAME = "fc-flycast";
  static final String LEASE_NAME = OperatorPermissions.LEASE_NAME;

  /** admin.networkPolicy.from as a user who lets Prometheus scrape would give it. */
  static final String PROMETHEUS_PEERS =
      "[{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"monitoring\"}}}]";

  static Path repo;
  static Path chart;
  static Helm helm;

  @BeforeAll
  static void locateHelm() {
    repo = Helm.repoRoot();
    chart = repo.resolve("charts/flycast");
    helm = Helm.fromRepo(repo);
  }

  /** {@code helm template} of the chart with these extra arguments; fails if helm fails. */
  static Manifests render(String... args) {
    return Manifests.parse(templateOutput(args));
  }

  static String templateOutput(String... args) {
    List<String> all =
        new ArrayList<>(List.of("template", RELEASE, chart.toString(), "--namespace", NAMESPACE));
    all.addAll(List.of(args));
    return helm.run(all.toArray(String[]::new)).assertSuccess().stdout();
  }

  static Container operatorContainer(PodSpec spec) {
    assertThat(spec.getContainers()).extracting(Container::getName).containsExactly("flycast");
    return spec.getContainers().get(0);
  }

  static Deployment deployment(Manifests m) {
    return m.single(Deployment.class);
  }

  @Nested
  class Lint {
    @Test
    void lintPasses() {
      helm.run("lint", chart.toString()).assertSuccess();
    }

    @Test
    void strictLintPasses() {
      helm.run("lint", "--strict", chart.toString()).assertSuccess();
    }

    @Test
    void packagedChartRendersExactlyLikeTheSourceDirectory() throws IOException {
      // .helmignore must not drop anything the templates read (dashboards/, CRDs).
      Path out = Files.createDirectories(repo.resolve("e2e/target/helm-package"));
      helm.run("package", chart.toString(), "--destination", out.toString()).assertSuccess();
      Path tgz = out.resolve("flycast-0.1.0.tgz");
      assertThat(tgz).exists();
      String[] set = {
        "--set", "metrics.dashboard.enabled=true,metrics.serviceMonitor.enabled=true"
      };
      String fromDir = templateOutput(set);
      List<String> args =
          new ArrayList<>(List.of("template", RELEASE, tgz.toString(), "--namespace", NAMESPACE));
      args.addAll(List.of(set));
      String fromTgz = helm.run(args.toArray(String[]::new)).assertSuccess().stdout();
      assertThat(fromTgz).isEqualTo(fromDir);
    }

    @Test
    void strictLintPassesWithEveryOptionalPartOn() {
      helm.run(
              "lint",
              "--strict",
              chart.toString(),
              "--set",
              "anyIP.enabled=true,fksMode=true,zone=fra,metrics.serviceMonitor.enabled=true",
              "--set",
              "metrics.dashboard.enabled=true,deploymentKind=DaemonSet,hostNetwork=true",
              "--set",
              "admin.networkPolicy.enabled=true,admin.tokenSecret.name=flycast-admin",
              "--set-json",
              "admin.networkPolicy.from=" + PROMETHEUS_PEERS)
          .assertSuccess();
    }
  }

  @Nested
  class Defaults {
    @Test
    void crdsAreRenderedWithTheKeepPolicy() {
      List<CustomResourceDefinition> crds = render().ofType(CustomResourceDefinition.class);
      assertThat(crds)
          .extracting(c -> c.getMetadata().getName())
          .containsExactlyInAnyOrder("exposedservices.fly.io", "flycastips.fly.io");
      assertThat(crds)
          .allSatisfy(
              c ->
                  assertThat(c.getMetadata().getAnnotations())
                      .containsEntry("helm.sh/resource-policy", "keep"));
    }

    @Test
    void deploymentHasTwoReplicasAndProbesOnTheAdminPort() {
      Deployment d = deployment(render());
      assertThat(d.getSpec().getReplicas()).isEqualTo(2);
      Container c = operatorContainer(d.getSpec().getTemplate().getSpec());
      assertThat(c.getImage()).isEqualTo("ghcr.io/flycast/flycast:0.1.0");
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
      assertThat(c.getPorts())
          .anySatisfy(
              p -> {
                assertThat(p.getName()).isEqualTo("admin");
                assertThat(p.getContainerPort()).isEqualTo(9090);
              });
    }

    @Test
    void containerIsNonRootWithAReadOnlyRootAndNoCapabilities() {
      Deployment d = deployment(render());
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      var sc = operatorContainer(pod).getSecurityContext();
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
      assertThat(sc.getPrivileged()).isNotEqualTo(true);
      assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getHostNetwork()).isNotEqualTo(true);
      // A read-only root needs a writable /tmp for the JVM and Netty's native libraries.
      assertThat(operatorContainer(pod).getVolumeMounts())
          .anySatisfy(v -> assertThat(v.getMountPath()).isEqualTo("/tmp"));
      assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
    }

    @Test
    void argsListenOnAllAddressesAndEnvCarriesTheLeaderElectionIdentity() {
      Container c = operatorContainer(deployment(render()).getSpec().getTemplate().getSpec());
      assertThat(c.getArgs())
          .containsExactly(
              "--prefix=fdaa:0:48c8::/48",
              "--autostop-interval=5m",
              "--shutdown-delay=10s",
              "--admin-listen=0.0.0.0:9090",
              "--http-listen=0.0.0.0:8080",
              "--tls-listen=0.0.0.0:8443",
              "--dns-listen=0.0.0.0:5353",
              "--scale-kinds=apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets");
      Map<String, String> downward = new LinkedHashMap<>();
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
          downward.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath());
        }
      }
      assertThat(downward)
          .containsEntry("POD_NAME", "metadata.name")
          .containsEntry("POD_NAMESPACE", "metadata.namespace");
    }

    @Test
    void podsSpreadAcrossZonesAndAPdbAllowsOneDown() {
      Manifests m = render();
      var spread = deployment(m).getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
      assertThat(spread)
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
                assertThat(t.getLabelSelector().getMatchLabels())
                    .isEqualTo(deployment(m).getSpec().getSelector().getMatchLabels());
              });
      PodDisruptionBudget pdb = m.single(PodDisruptionBudget.class);
      assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
      assertThat(pdb.getSpec().getSelector().getMatchLabels())
          .isEqualTo(deployment(m).getSpec().getSelector().getMatchLabels());
    }

    @Test
    void servicesExposeProxyMetricsAndDns() {
      Manifests m = render();
      Service proxy = m.named(Service.class, FULLNAME + "-proxy").orElseThrow();
      assertThat(proxy.getSpec().getPorts())
          .extracting(ServicePort::getName, p -> p.getTargetPort().getStrVal())
          .containsExactly(tuple("http", "http"), tuple("https", "https"));
      Service metrics = m.named(Service.class, FULLNAME + "-metrics").orElseThrow();
      assertThat(metrics.getSpec().getPorts())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.getPort()).isEqualTo(9090);
                assertThat(p.getTargetPort().getStrVal()).isEqualTo("admin");
              });
      Service dns = m.named(Service.class, FULLNAME + "-dns").orElseThrow();
      assertThat(dns.getSpec().getPorts())
          .extracting(ServicePort::getProtocol)
          .containsExactlyInAnyOrder("UDP", "TCP");
      // Every named targetPort must exist on the container with the same protocol.
      Container c = operatorContainer(deployment(m).getSpec().getTemplate().getSpec());
      for (Service s : m.ofType(Service.class)) {
        assertThat(s.getSpec().getSelector())
            .isEqualTo(deployment(m).getSpec().getSelector().getMatchLabels());
        for (ServicePort p : s.getSpec().getPorts()) {
          assertThat(c.getPorts())
              .as("container port for %s/%s", s.getMetadata().getName(), p.getName())
              .anySatisfy(
                  cp -> {
                    assertThat(cp.getName()).isEqualTo(p.getTargetPort().getStrVal());
                    assertThat(cp.getProtocol()).isEqualTo(p.getProtocol());
                  });
        }
      }
    }

    @Test
    void optionalObjectsAreOff() {
      Manifests m = render();
      assertThat(m.ofKind("ServiceMonitor")).isEmpty();
      assertThat(m.ofType(ConfigMap.class)).isEmpty();
      assertThat(m.ofType(DaemonSet.class)).isEmpty();
      assertThat(m.ofType(NetworkPolicy.class)).isEmpty();
    }

    @Test
    void everyObjectCarriesTheStandardLabels() {
      for (HasMetadata o : render().all()) {
        assertThat(o.getMetadata().getLabels())
            .as("labels of %s %s", o.getKind(), o.getMetadata().getName())
            .containsKeys(
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/version",
                "app.kubernetes.io/managed-by",
                "helm.sh/chart");
      }
    }

    @Test
    void namespacedObjectsGoToTheReleaseNamespace() {
      for (HasMetadata o : render().all()) {
        boolean clusterScoped =
            o instanceof CustomResourceDefinition
                || o instanceof ClusterRole
                || o instanceof ClusterRoleBinding;
        if (!clusterScoped) {
          assertThat(o.getMetadata().getNamespace())
              .as("namespace of %s %s", o.getKind(), o.getMetadata().getName())
              .isEqualTo(NAMESPACE);
        }
      }
    }
  }

  /** The chart and the operator agree: what the chart passes, the operator accepts. */
  @Nested
  class OperatorContract {
    @ParameterizedTest(name = "[{index}] --set {0}")
    @MethodSource("io.flycast.e2e.HelmChartE2E#valueVariants")
    void operatorAcceptsTheRenderedArgs(String variant) {
      Manifests m = render(variant.isEmpty() ? new String[0] : new String[] {"--set", variant});
      HasMetadata workload =
          m.all().stream()
              .filter(o -> o instanceof Deployment || o instanceof DaemonSet)
              .findFirst()
              .orElseThrow();
      PodSpec pod =
          workload instanceof Deployment d
              ? d.getSpec().getTemplate().getSpec()
              : ((DaemonSet) workload).getSpec().getTemplate().getSpec();
      List<String> args = operatorContainer(pod).getArgs();
      // Parse only (no call()): an unknown or malformed flag throws ParameterException.
      var parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
      assertThat(parsed.unmatched()).isEmpty();
      assertThat(parsed.matchedOptions()).hasSize(args.size());
    }

    @Test
    void leaseNameInTheRoleIsTheOperators() {
      assertThat(Flycast.LEASE_NAME).isEqualTo(LEASE_NAME);
    }

    @Test
    void notesTellHowToExposeAService() {
      String out =
          helm.run(
                  "install",
                  RELEASE,
                  chart.toString(),
                  "--namespace",
                  NAMESPACE,
                  "--dry-run=client")
              .assertSuccess()
              .stdout();
      String notes = out.substring(out.indexOf("NOTES:"));
      assertThat(notes)
          .contains("kubectl annotate svc MY-SERVICE fly.io/flycast=true")
          .contains("kubectl label namespace MY-NAMESPACE fly.io/flycast=enabled")
          .contains(FULLNAME + "-dns");
    }

    @Test
    void defaultPodMeetsThePodSecurityRestrictedProfile() {
      PodSpec pod = deployment(render()).getSpec().getTemplate().getSpec();
      assertThat(pod.getHostNetwork()).isNotEqualTo(true);
      assertThat(pod.getHostPID()).isNotEqualTo(true);
      assertThat(pod.getHostIPC()).isNotEqualTo(true);
      assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      for (Container c : pod.getContainers()) {
        var sc = c.getSecurityContext();
        assertThat(
                sc.getRunAsNonRoot() != null
                    ? sc.getRunAsNonRoot()
                    : pod.getSecurityContext().getRunAsNonRoot())
            .isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).contains("ALL");
        assertThat(c.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
      }
    }
  }

  static Stream<String> valueVariants() {
    return Stream.of(
        "",
        "fksMode=true,zone=fra,autostopInterval=30s",
        "listenAddress=::",
        "dns.enabled=false",
        "deploymentKind=DaemonSet,anyIP.enabled=true,hostNetwork=true",
        "admin.tokenSecret.name=flycast-admin,admin.networkPolicy.enabled=true",
        "shutdownDelaySeconds=0",
        "tls.secretNamespaces={web,shop}",
        "autoscale.enabled=false",
        "autoscale.extraScaleTargets[0].apiVersion=example.com/v1,autoscale.extraScaleTargets[0].kind=Widget,"
            + "autoscale.extraScaleTargets[0].resource=widgets");
  }

  @Nested
  class Switches {
    @Test
    void anyIpAddsNetAdminAndNothingElse() {
      Container c =
          operatorContainer(
              deployment(render("--set", "anyIP.enabled=true")).getSpec().getTemplate().getSpec());
      assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN");
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }

    @Test
    void daemonSetKindRendersADaemonSetAndNoDeploymentOrPdb() {
      Manifests m = render("--set", "deploymentKind=DaemonSet");
      assertThat(m.ofType(Deployment.class)).isEmpty();
      assertThat(m.ofType(PodDisruptionBudget.class)).isEmpty();
      DaemonSet ds = m.single(DaemonSet.class);
      Container c = operatorContainer(ds.getSpec().getTemplate().getSpec());
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }

    /**
     * SIGTERM: the replica serves for the delay, then requests in flight get 10 s, then the rest
     * closes; Kubernetes must not kill it before. The delay runs in the process, so no preStop hook
     * (the image has no shell to sleep in).
     */
    @Test
    void shutdownDelayIsPassedAndTheGracePeriodCoversItWithoutAPreStopHook() {
      PodSpec defaults = deployment(render()).getSpec().getTemplate().getSpec();
      assertThat(operatorContainer(defaults).getArgs()).contains("--shutdown-delay=10s");
      assertThat(defaults.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(10 + 10 + 5);
      assertThat(operatorContainer(defaults).getLifecycle()).isNull();

      PodSpec longer =
          deployment(render("--set", "shutdownDelaySeconds=30,terminationGracePeriodSeconds=45"))
              .getSpec()
              .getTemplate()
              .getSpec();
      assertThat(operatorContainer(longer).getArgs()).contains("--shutdown-delay=30s");
      assertThat(longer.getTerminationGracePeriodSeconds()).isEqualTo(45);

      var tooShort =
          helm.run("template", RELEASE, chart.toString(), "--set", "shutdownDelaySeconds=30");
      assertThat(tooShort.exitCode()).isNotZero();
      assertThat(tooShort.stderr())
          .contains(
              "terminationGracePeriodSeconds (30) must be at least shutdownDelaySeconds + 15 (45)");
    }

    @Test
    void unknownDeploymentKindIsRejected() {
      var result =
          helm.run("template", RELEASE, chart.toString(), "--set", "deploymentKind=StatefulSet");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("deploymentKind");
    }

    @Test
    void crdsInstallFalseRendersNoCrd() {
      Manifests m = render("--set", "crds.install=false");
      assertThat(m.ofType(CustomResourceDefinition.class)).isEmpty();
      assertThat(m.ofType(Deployment.class)).hasSize(1);
    }

    @Test
    void crdsKeepFalseDropsThePolicy() {
      assertThat(render("--set", "crds.keep=false").ofType(CustomResourceDefinition.class))
          .hasSize(2)
          .allSatisfy(
              c ->
                  assertThat(c.getMetadata().getAnnotations())
                      .doesNotContainKey("helm.sh/resource-policy"));
    }

    @Test
    void rbacCreateFalseRendersNoRoles() {
      Manifests m = render("--set", "rbac.create=false");
      assertThat(m.ofType(ClusterRole.class)).isEmpty();
      assertThat(m.ofType(Role.class)).isEmpty();
      assertThat(m.ofType(ClusterRoleBinding.class)).isEmpty();
      assertThat(m.ofType(RoleBinding.class)).isEmpty();
    }

    @Test
    void serviceAccountCreateFalseUsesTheGivenName() {
      Manifests m = render("--set", "serviceAccount.create=false,serviceAccount.name=mine");
      assertThat(m.ofKind("ServiceAccount")).isEmpty();
      assertThat(deployment(m).getSpec().getTemplate().getSpec().getServiceAccountName())
          .isEqualTo("mine");
      assertThat(m.single(ClusterRoleBinding.class).getSubjects())
          .singleElement()
          .satisfies(s -> assertThat(s.getName()).isEqualTo("mine"));
    }

    @Test
    void serviceMonitorOnlyWhenEnabled() {
      assertThat(render().ofKind("ServiceMonitor")).isEmpty();
      Manifests m = render("--set", "metrics.serviceMonitor.enabled=true");
      assertThat(m.ofKind("ServiceMonitor"))
          .singleElement()
          .satisfies(
              sm -> {
                var spec =
                    (Map<?, ?>)
                        ((GenericKubernetesResource) sm).getAdditionalProperties().get("spec");
                @SuppressWarnings("unchecked")
                var selector =
                    (Map<String, String>) ((Map<?, ?>) spec.get("selector")).get("matchLabels");
                // It must select the metrics Service and only that one.
                List<Service> selected =
                    m.ofType(Service.class).stream()
                        .filter(
                            s ->
                                s.getMetadata()
                                    .getLabels()
                                    .entrySet()
                                    .containsAll(selector.entrySet()))
                        .toList();
                assertThat(selected)
                    .extracting(s -> s.getMetadata().getName())
                    .containsExactly(FULLNAME + "-metrics");
              });
    }

    @Test
    void dashboardIsAConfigMapWithValidJsonAndTheSidecarLabel() throws IOException {
      ConfigMap cm = render("--set", "metrics.dashboard.enabled=true").single(ConfigMap.class);
      assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
      JsonNode dashboard = new ObjectMapper().readTree(cm.getData().get("flycast.json"));
      List<String> exprs = new ArrayList<>();
      dashboard
          .get("panels")
          .forEach(p -> p.get("targets").forEach(t -> exprs.add(t.get("expr").asText())));
      assertThat(String.join("\n", exprs))
          .contains(
              "flycast_proxy_http_requests_total",
              "5..",
              "flycast_autostart_cold_start_seconds_count",
              "flycast_catalog_version");
    }

    @Test
    void oneReplicaHasNoPdb() {
      assertThat(render("--set", "replicas=1").ofType(PodDisruptionBudget.class)).isEmpty();
    }

    @Test
    void dnsDisabledTurnsTheResponderOffAndDropsItsService() {
      Manifests m = render("--set", "dns.enabled=false");
      assertThat(m.named(Service.class, FULLNAME + "-dns")).isEmpty();
      Container c = operatorContainer(deployment(m).getSpec().getTemplate().getSpec());
      assertThat(c.getArgs())
          .contains("--dns-listen=")
          .noneMatch(a -> a.startsWith("--dns-listen=0"));
      assertThat(c.getPorts()).extracting(p -> p.getName()).doesNotContain("dns", "dns-tcp");
    }

    @Test
    void fksModeZoneAndIpv6ListenAddressBecomeFlags() {
      Container c =
          operatorContainer(
              deployment(
                      render(
                          "--set", "fksMode=true,zone=fra,listenAddress=::,autostopInterval=30s",
                          "--set",
                              "proxy.queueTimeout=2s,proxy.maxQueued=64,proxy.threads=2,proxy.tlsProvider=openssl"))
                  .getSpec()
                  .getTemplate()
                  .getSpec());
      assertThat(c.getArgs())
          .contains(
              "--all-services",
              "--zone=fra",
              "--autostop-interval=30s",
              "--queue-timeout=2s",
              "--max-queued=64",
              "--proxy-threads=2",
              "--tls-provider=openssl",
              "--admin-listen=[::]:9090",
              "--http-listen=[::]:8080",
              "--tls-listen=[::]:8443",
              "--dns-listen=[::]:5353");
    }

    @Test
    void extraPortsReachTheContainerAndTheProxyService() {
      Manifests m =
          render(
              "--set-json",
              "proxyService.extraPorts=[{\"name\":\"pg\",\"port\":5432,\"containerPort\":15432}]");
      Service proxy = m.named(Service.class, FULLNAME + "-proxy").orElseThrow();
      assertThat(proxy.getSpec().getPorts())
          .anySatisfy(
              p -> {
                assertThat(p.getPort()).isEqualTo(5432);
                assertThat(p.getTargetPort().getStrVal()).isEqualTo("pg");
              });
      assertThat(operatorContainer(deployment(m).getSpec().getTemplate().getSpec()).getPorts())
          .anySatisfy(
              p -> {
                assertThat(p.getName()).isEqualTo("pg");
                assertThat(p.getContainerPort()).isEqualTo(15432);
              });
    }

    @Test
    void imageDigestWinsOverTag() {
      String digest = "sha256:" + "a".repeat(64);
      Container c =
          operatorContainer(
              deployment(render("--set", "image.tag=9.9.9,image.digest=" + digest))
                  .getSpec()
                  .getTemplate()
                  .getSpec());
      assertThat(c.getImage()).isEqualTo("ghcr.io/flycast/flycast@" + digest);
    }

    @Test
    void adminTokenSecretIsMountedReadOnlyAndPassedAsTheFlag() {
      assertThat(
              operatorContainer(deployment(render()).getSpec().getTemplate().getSpec()).getArgs())
          .noneMatch(a -> a.startsWith("--admin-token-file"));
      PodSpec pod =
          deployment(
                  render("--set", "admin.tokenSecret.name=flycast-admin,admin.tokenSecret.key=tok"))
              .getSpec()
              .getTemplate()
              .getSpec();
      Container c = operatorContainer(pod);
      assertThat(c.getArgs()).contains("--admin-token-file=/etc/flycast/admin/token");
      assertThat(c.getVolumeMounts())
          .anySatisfy(
              v -> {
                assertThat(v.getMountPath()).isEqualTo("/etc/flycast/admin");
                assertThat(v.getReadOnly()).isTrue();
                assertThat(pod.getVolumes())
                    .filteredOn(vol -> vol.getName().equals(v.getName()))
                    .singleElement()
                    .satisfies(
                        vol -> {
                          assertThat(vol.getSecret().getSecretName()).isEqualTo("flycast-admin");
                          assertThat(vol.getSecret().getItems())
                              .singleElement()
                              .satisfies(
                                  i -> {
                                    assertThat(i.getKey()).isEqualTo("tok");
                                    assertThat(i.getPath()).isEqualTo("token");
                                  });
                          assertThat(vol.getSecret().getDefaultMode()).isEqualTo(0440);
                        });
              });
    }

    @Test
    void adminNetworkPolicyRestrictsTheAdminPortAndNothingElse() {
      Manifests m =
          render(
              "--set", "admin.networkPolicy.enabled=true",
              "--set-json", "admin.networkPolicy.from=" + PROMETHEUS_PEERS,
              "--set-json",
                  "proxyService.extraPorts=[{\"name\":\"pg\",\"port\":5432,\"containerPort\":15432}]");
      NetworkPolicy np = m.single(NetworkPolicy.class);
      assertWellFormed(np);
      assertThat(np.getSpec().getPodSelector().getMatchLabels())
          .isEqualTo(deployment(m).getSpec().getSelector().getMatchLabels());
      assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
      AdminPolicy policy = new AdminPolicy(np);
      // The proxy, DNS, extra and dedicated ports (any Service port, opened at runtime): anyone.
      for (int port : List.of(1, 53, 80, 443, 5353, 8080, 8443, 9089, 9091, 15432, 65535)) {
        assertThat(policy.openToAnyone("TCP", port)).as("TCP %d open to anyone", port).isTrue();
      }
      assertThat(policy.openToAnyone("UDP", 5353)).isTrue();
      assertThat(policy.openToAnyone("TCP", 9090)).as("admin port open to anyone").isFalse();
      Map<String, String> self = deployment(m).getSpec().getSelector().getMatchLabels();
      assertThat(policy.peersFor("TCP", 9090))
          .as(
              "the given peers, and the release's other replicas (the leader polls their load"
                  + " there)")
          .hasSize(2)
          .anyMatch(
              peer ->
                  peer.getNamespaceSelector() != null
                      && Map.of("kubernetes.io/metadata.name", "monitoring")
                          .equals(peer.getNamespaceSelector().getMatchLabels()))
          .anyMatch(
              peer ->
                  peer.getNamespaceSelector() == null
                      && peer.getPodSelector() != null
                      && self.equals(peer.getPodSelector().getMatchLabels()));
    }

    @Test
    void adminNetworkPolicyWithoutPeersClosesTheAdminPortToOtherPodsWhereverItIs() {
      NetworkPolicy np =
          render("--set", "admin.networkPolicy.enabled=true,ports.admin=9191")
              .single(NetworkPolicy.class);
      assertWellFormed(np);
      AdminPolicy policy = new AdminPolicy(np);
      assertThat(policy.openToAnyone("TCP", 9191)).isFalse();
      assertThat(policy.peersFor("TCP", 9191))
          .as("only the release's own replicas")
          .singleElement()
          .satisfies(peer -> assertThat(peer.getNamespaceSelector()).isNull());
      assertThat(policy.openToAnyone("TCP", 9090)).isTrue();
      assertThat(policy.openToAnyone("TCP", 8080)).isTrue();
    }

    /**
     * Every field the chart wrote is one the NetworkPolicy API has: Fabric8 keeps unknown fields (a
     * misspelt {@code endport}) as additional properties instead of failing.
     */
    static void assertWellFormed(NetworkPolicy np) {
      assertThat(np.getAdditionalProperties()).isEmpty();
      assertThat(np.getSpec().getAdditionalProperties()).isEmpty();
      for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
        assertThat(rule.getAdditionalProperties()).isEmpty();
        assertThat(rule.getPorts()).isNotEmpty();
        for (NetworkPolicyPort p : rule.getPorts()) {
          assertThat(p.getAdditionalProperties()).as("port %s", p).isEmpty();
          assertThat(p.getProtocol()).isIn("TCP", "UDP", "SCTP");
          assertThat(p.getPort().getIntVal()).isBetween(1, 65535);
          if (p.getEndPort() != null) {
            assertThat(p.getEndPort()).isBetween(p.getPort().getIntVal(), 65535);
          }
        }
        for (NetworkPolicyPeer peer : rule.getFrom()) {
          assertThat(peer.getAdditionalProperties()).isEmpty();
        }
      }
    }

    /** Who a NetworkPolicy's ingress rules let in, per protocol and port (numeric ports only). */
    record AdminPolicy(NetworkPolicy np) {
      private List<NetworkPolicyIngressRule> rulesFor(String protocol, int port) {
        return np.getSpec().getIngress().stream()
            .filter(
                r ->
                    r.getPorts().stream()
                        .anyMatch(
                            p ->
                                p.getProtocol().equals(protocol)
                                    && p.getPort().getIntVal() <= port
                                    && port
                                        <= (p.getEndPort() != null
                                            ? p.getEndPort()
                                            : p.getPort().getIntVal())))
            .toList();
      }

      /** A rule without {@code from} admits every source. */
      boolean openToAnyone(String protocol, int port) {
        return rulesFor(protocol, port).stream().anyMatch(r -> r.getFrom().isEmpty());
      }

      List<NetworkPolicyPeer> peersFor(String protocol, int port) {
        return rulesFor(protocol, port).stream().flatMap(r -> r.getFrom().stream()).toList();
      }
    }
  }

  @Nested
  class Schema {
    @Test
    void aTypoInATopLevelKeyIsRejected() {
      var result = helm.run("template", RELEASE, chart.toString(), "--set", "replicaCoutn=3");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("replicaCoutn");
    }

    @Test
    void aTypoInANestedKeyIsRejected() {
      var result = helm.run("template", RELEASE, chart.toString(), "--set", "anyIP.enable=true");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("enable");
    }

    @Test
    void aTypoInANetworkPolicyPeerIsRejected() {
      var result =
          helm.run(
              "template",
              RELEASE,
              chart.toString(),
              "--set",
              "admin.networkPolicy.enabled=true",
              "--set-json",
              "admin.networkPolicy.from=[{\"namespaceSelecter\":{}}]");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("namespaceSelecter");
    }

    @Test
    void aWrongTypeIsRejected() {
      var result = helm.run("template", RELEASE, chart.toString(), "--set", "replicas=two");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("replicas");
    }
  }

  /**
   * RBAC: every API call the operator makes (see operator/src/main/java/io/flycast/control and
   * allocation) must be granted, and nothing with a wildcard.
   */
  @Nested
  class Rbac {
    static Manifests defaults;

    static synchronized Manifests defaults() {
      if (defaults == null) {
        defaults = render();
      }
      return defaults;
    }

    static List<PolicyRule> clusterRules() {
      return defaults().single(ClusterRole.class).getRules();
    }

    static List<PolicyRule> namespacedRules() {
      return defaults().single(Role.class).getRules();
    }

    static Stream<Permission> clusterWideAndAutoscale() {
      return Stream.concat(OperatorPermissions.clusterWide(), OperatorPermissions.autoscale());
    }

    static Stream<Permission> leaderElection() {
      return OperatorPermissions.leaderElection();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusterWideAndAutoscale")
    void clusterRoleGrants(Permission p) {
      assertThat(p.grantedBy(clusterRules())).as("ClusterRole grants %s", p).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leaderElection")
    void releaseNamespaceRoleGrants(Permission p) {
      assertThat(p.grantedBy(namespacedRules())).as("Role grants %s", p).isTrue();
      assertThat(defaults().single(Role.class).getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    }

    @Test
    void leasesAreNotGrantedClusterWide() {
      assertThat(clusterRules()).noneMatch(r -> r.getResources().contains("leases"));
    }

    @Test
    void noWildcardsAnywhere() {
      List<PolicyRule> all = new ArrayList<>(clusterRules());
      all.addAll(namespacedRules());
      for (PolicyRule r : all) {
        assertThat(r.getVerbs()).as("verbs of %s", r).doesNotContain("*");
        assertThat(r.getResources())
            .as("resources of %s", r)
            .doesNotContain("*")
            .noneMatch(s -> s.endsWith("/*"));
        assertThat(r.getApiGroups()).as("apiGroups of %s", r).doesNotContain("*");
        assertThat(r.getNonResourceURLs()).as("nonResourceURLs of %s", r).isNullOrEmpty();
      }
    }

    @Test
    void secretsArePluralReadsOnly() {
      // The operator only watches TLS Secrets; it never gets, writes or deletes one.
      Set<String> verbs = new TreeSet<>();
      clusterRules().stream()
          .filter(r -> r.getResources().contains("secrets"))
          .forEach(r -> verbs.addAll(r.getVerbs()));
      assertThat(verbs).containsExactly("list", "watch");
    }

    @Test
    void bindingsPointAtTheServiceAccount() {
      Manifests m = defaults();
      String sa = m.ofKind("ServiceAccount").get(0).getMetadata().getName();
      assertThat(deployment(m).getSpec().getTemplate().getSpec().getServiceAccountName())
          .isEqualTo(sa);
      ClusterRoleBinding crb = m.single(ClusterRoleBinding.class);
      assertThat(crb.getRoleRef().getName())
          .isEqualTo(m.single(ClusterRole.class).getMetadata().getName());
      assertThat(crb.getSubjects())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getName()).isEqualTo(sa);
                assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
              });
      RoleBinding rb = m.single(RoleBinding.class);
      assertThat(rb.getRoleRef().getName()).isEqualTo(m.single(Role.class).getMetadata().getName());
      assertThat(rb.getSubjects())
          .singleElement()
          .satisfies(s -> assertThat(s.getName()).isEqualTo(sa));
    }

    @Test
    void autoscaleDisabledDropsTheScaleGrantsButNotThePodWatchEveryReplicaRuns() {
      List<PolicyRule> rules =
          render("--set", "autoscale.enabled=false").single(ClusterRole.class).getRules();
      assertThat(OperatorPermissions.autoscale()).noneMatch(p -> p.grantedBy(rules));
      assertThat(OperatorPermissions.clusterWide()).allMatch(p -> p.grantedBy(rules));
    }

    @Test
    void secretNamespacesMoveTheSecretGrantIntoARoleInEachListedNamespace() {
      Manifests m = render("--set", "tls.secretNamespaces={web,shop}");
      assertThat(m.single(ClusterRole.class).getRules())
          .noneMatch(r -> r.getResources().contains("secrets"));
      List<Role> secretRoles =
          m.ofType(Role.class).stream()
              .filter(r -> r.getMetadata().getName().equals(FULLNAME + "-tls-secrets"))
              .toList();
      assertThat(secretRoles)
          .extracting(r -> r.getMetadata().getNamespace())
          .containsExactlyInAnyOrder("web", "shop");
      for (Role role : secretRoles) {
        assertThat(role.getRules())
            .singleElement()
            .satisfies(
                r -> {
                  assertThat(r.getApiGroups()).containsExactly("");
                  assertThat(r.getResources()).containsExactly("secrets");
                  assertThat(r.getVerbs()).containsExactly("list", "watch");
                  assertThat(r.getResourceNames()).isNullOrEmpty();
                });
        RoleBinding binding =
            m.ofType(RoleBinding.class).stream()
                .filter(
                    b ->
                        b.getMetadata().getName().equals(FULLNAME + "-tls-secrets")
                            && b.getMetadata()
                                .getNamespace()
                                .equals(role.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow();
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(FULLNAME + "-tls-secrets");
        assertThat(binding.getSubjects())
            .singleElement()
            .satisfies(
                s -> {
                  assertThat(s.getName()).isEqualTo(FULLNAME);
                  assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
                });
      }
      assertThat(operatorContainer(deployment(m).getSpec().getTemplate().getSpec()).getArgs())
          .contains("--secret-namespaces=web,shop");
      // Without the value: no flag (every namespace) and no per-namespace Role.
      assertThat(
              operatorContainer(deployment(defaults()).getSpec().getTemplate().getSpec()).getArgs())
          .noneMatch(a -> a.startsWith("--secret-namespaces"));
      assertThat(defaults().ofType(Role.class)).hasSize(1);
    }

    @Test
    void aSecretNamespaceThatIsNotANamespaceNameIsRejected() {
      var result =
          helm.run("template", RELEASE, chart.toString(), "--set", "tls.secretNamespaces={Team_A}");
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr()).contains("secretNamespaces");
    }

    static final String WIDGETS =
        "autoscale.extraScaleTargets=[{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
            + "\"resource\":\"widgets\"},{\"apiVersion\":\"v1\",\"kind\":\"Legacy\",\"resource\":\"legacies\"}]";

    @Test
    void extraScaleTargetsGrantTheirScaleSubresourceAndBecomeScaleKinds() {
      Manifests m = render("--set-json", WIDGETS);
      List<PolicyRule> rules = m.single(ClusterRole.class).getRules();
      for (String verb : List.of("get", "patch", "update")) {
        assertThat(
                new Permission("example.com", "widgets/scale", verb, null, "extra")
                    .grantedBy(rules))
            .as("%s widgets/scale", verb)
            .isTrue();
        assertThat(new Permission("", "legacies/scale", verb, null, "extra").grantedBy(rules))
            .as("%s legacies/scale (core group)", verb)
            .isTrue();
      }
      // The subresource only, never the custom resource itself.
      assertThat(rules).noneMatch(r -> r.getResources().contains("widgets"));
      assertThat(OperatorPermissions.autoscale()).allMatch(p -> p.grantedBy(rules));
      assertThat(operatorContainer(deployment(m).getSpec().getTemplate().getSpec()).getArgs())
          .contains(
              "--scale-kinds=apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets,"
                  + "example.com/v1/Widget=widgets,v1/Legacy=legacies");
    }

    @Test
    void theScaleKindsFlagIsTheBuiltInsByDefaultAndNoneWithAutoscaleOff() {
      assertThat(
              operatorContainer(deployment(defaults()).getSpec().getTemplate().getSpec()).getArgs())
          .contains(
              "--scale-kinds=apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets");
      assertThat(
              operatorContainer(
                      deployment(render("--set", "autoscale.enabled=false"))
                          .getSpec()
                          .getTemplate()
                          .getSpec())
                  .getArgs())
          .contains("--scale-kinds=");
    }

    @Test
    void extraScaleTargetsWithAutoscaleOffFailTheRender() {
      var result =
          helm.run(
              "template",
              RELEASE,
              chart.toString(),
              "--set",
              "autoscale.enabled=false",
              "--set-json",
              WIDGETS);
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stderr())
          .contains("autoscale.extraScaleTargets needs autoscale.enabled=true");
    }

    @Test
    void anExtraScaleTargetWithATypoOrWithoutItsResourceIsRejected() {
      var typo =
          helm.run(
              "template",
              RELEASE,
              chart.toString(),
              "--set-json",
              "autoscale.extraScaleTargets=[{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
                  + "\"plural\":\"widgets\"}]");
      assertThat(typo.exitCode()).isNotZero();
      assertThat(typo.stderr()).contains("plural");
      var missing =
          helm.run(
              "template",
              RELEASE,
              chart.toString(),
              "--set-json",
              "autoscale.extraScaleTargets=[{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\"}]");
      assertThat(missing.exitCode()).isNotZero();
      assertThat(missing.stderr()).contains("resource");
    }

    @Test
    void everyRuleHasACommentSayingWhy() throws IOException {
      String rbac = Files.readString(chart.resolve("templates/rbac.yaml"));
      List<String> lines = rbac.lines().toList();
      int rules = 0;
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).strip().startsWith("- apiGroups:")) {
          rules++;
          int j = i - 1;
          while (j >= 0 && lines.get(j).strip().startsWith("{{")) {
            j--; // a template guard may sit between the comment and the rule
          }
          assertThat(lines.get(j).strip())
              .as("comment above rule at line %d", i + 1)
              .startsWith("#");
        }
      }
      assertThat(rules).isGreaterThanOrEqualTo(clusterRules().size() + namespacedRules().size());
    }
  }

  /** The chart's CRDs are the generated ones in crds/, byte for byte, plus template lines. */
  @Nested
  class Crds {
    static final Pattern TEMPLATE_LINE = Pattern.compile("^\\s*\\{\\{.*}}\\s*$");

    static List<Path> generated() throws IOException {
      try (Stream<Path> s = Files.list(repo.resolve("crds"))) {
        return s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
      }
    }

    static Path chartCopy(Path generated) {
      String name = generated.getFileName().toString().replaceFirst("\\.yml$", ".yaml");
      return chart.resolve("templates/crds").resolve(name);
    }

    @Test
    void everyGeneratedCrdHasAChartCopyAndNoOthers() throws IOException {
      List<String> expected =
          generated().stream().map(p -> chartCopy(p).getFileName().toString()).toList();
      try (Stream<Path> s = Files.list(chart.resolve("templates/crds"))) {
        assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(expected);
      }
      assertThat(expected).isNotEmpty();
    }

    @Test
    void chartCopiesAreTheGeneratedFilesPlusTemplateLines() throws IOException {
      for (Path g : generated()) {
        String copy = Files.readString(chartCopy(g), StandardCharsets.UTF_8);
        String stripped =
            copy.lines()
                .filter(l -> !TEMPLATE_LINE.matcher(l).matches())
                .map(l -> l + "\n")
                .reduce("", String::concat);
        assertThat(stripped)
            .as(
                "%s minus its template lines must equal %s; run charts/sync-crds.sh",
                chartCopy(g), g)
            .isEqualTo(Files.readString(g, StandardCharsets.UTF_8));
      }
    }

    @Test
    @SuppressWarnings("unchecked") // YAML maps are Map<String, Object>
    void renderedCrdsEqualTheGeneratedOnesExceptForChartMetadata() throws IOException {
      List<Map<String, Object>> rendered =
          Manifests.parseMaps(templateOutput()).stream()
              .filter(d -> "CustomResourceDefinition".equals(d.get("kind")))
              .toList();
      for (Path g : generated()) {
        Map<String, Object> expected = Serialization.unmarshal(Files.readString(g), Map.class);
        String name = (String) ((Map<?, ?>) expected.get("metadata")).get("name");
        Map<String, Object> actual =
            rendered.stream()
                .filter(d -> name.equals(((Map<?, ?>) d.get("metadata")).get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("CRD " + name + " not rendered"));
        Map<String, Object> withoutChartMetadata = new LinkedHashMap<>(actual);
        Map<String, Object> metadata =
            new LinkedHashMap<>((Map<String, Object>) actual.get("metadata"));
        metadata.remove("labels");
        metadata.remove("annotations");
        withoutChartMetadata.put("metadata", metadata);
        assertThat(withoutChartMetadata).as("rendered %s vs %s", name, g).isEqualTo(expected);
      }
    }
  }

  /** values.yaml, values.schema.json and the README's table describe the same keys. */
  @Nested
  class Documentation {
    static ValuesFile values() throws IOException {
      return ValuesFile.read(chart.resolve("values.yaml"));
    }

    @Test
    void readmeTableListsExactlyTheValuesKeysWithTheirDefaults() throws IOException {
      ValuesFile values = values();
      Map<String, String> table = ValuesFile.readmeTable(chart.resolve("README.md"));
      assertThat(new TreeSet<>(table.keySet())).isEqualTo(values.keys());
      ObjectMapper json = new ObjectMapper();
      for (var row : table.entrySet()) {
        assertThat(json.readTree(row.getValue()))
            .as("README default of %s", row.getKey())
            .isEqualTo(json.valueToTree(values.value(row.getKey())));
      }
    }

    @Test
    void everyValuesKeyHasAComment() throws IOException {
      ValuesFile values = values();
      List<String> lines = values.lines();
      Map<String, Integer> leafLines = values.leafKeyLines();
      assertThat(leafLines.keySet()).isEqualTo(values.keys());
      for (var e : leafLines.entrySet()) {
        int i = e.getValue();
        assertThat(i > 0 && lines.get(i - 1).strip().startsWith("#"))
            .as("values.yaml line %d (%s) needs a comment right above it", i + 1, e.getKey())
            .isTrue();
      }
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).matches("^[A-Za-z][A-Za-z0-9]*:\\s*$")) {
          // A top-level group: commented itself or through its first child.
          String above = i > 0 ? lines.get(i - 1).strip() : "";
          String below = lines.get(i + 1).strip();
          assertThat(above.startsWith("#") || below.startsWith("#"))
              .as("values.yaml group at line %d (%s) needs a comment", i + 1, lines.get(i))
              .isTrue();
        }
      }
    }

    @Test
    void schemaRejectsUnknownKeysAtEveryLevel() throws IOException {
      JsonNode schema = new ObjectMapper().readTree(chart.resolve("values.schema.json").toFile());
      List<String> open = new ArrayList<>();
      checkClosed("", schema, open);
      assertThat(open)
          .as("schema objects with properties but without additionalProperties: false")
          .isEmpty();
      // Every values key is described, so the schema cannot reject a documented default.
      for (String key : values().keys()) {
        JsonNode node = schema;
        for (String part : key.split("\\.")) {
          node = node.path("properties").path(part);
        }
        assertThat(node.isMissingNode()).as("schema describes %s", key).isFalse();
      }
    }

    static void checkClosed(String path, JsonNode node, List<String> open) {
      if (node.has("properties")) {
        if (!node.path("additionalProperties").isBoolean()
            || node.path("additionalProperties").asBoolean()) {
          open.add(path.isEmpty() ? "(root)" : path);
        }
        node.get("properties")
            .properties()
            .forEach(e -> checkClosed(path + "." + e.getKey(), e.getValue(), open));
      }
      if (node.has("items")) {
        checkClosed(path + "[]", node.get("items"), open);
      }
    }
  }
}
