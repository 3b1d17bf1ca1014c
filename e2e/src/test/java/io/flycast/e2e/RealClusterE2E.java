package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The user's path on a real cluster, run when {@code E2E_KUBECONFIG} names one (no cluster can run
 * on the CI machines): the chart validated by the real API server (server-side dry run), the CRDs
 * applied, the operator run from this machine against the cluster (kubebuilder's `make run`), and
 * the `kubectl create deployment` / `kubectl expose` / `kubectl annotate` flow ending in a Service
 * marked by Flycast with a route whose backends are the cluster's pods.
 */
@EnabledIfEnvironmentVariable(named = "E2E_KUBECONFIG", matches = ".+")
class RealClusterE2E {
  static final Duration WAIT = Duration.ofMinutes(3);
  final String kubeconfig = System.getenv("E2E_KUBECONFIG");
  final Path repo = FlycastProcess.repo();
  final String ns = "flycast-e2e-" + Long.toHexString(System.nanoTime() & 0xffffff);

  String kubectl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(repo.resolve(".tools/bin/kubectl").toString(), "--kubeconfig", kubeconfig));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl %s: %s", String.join(" ", args), out).isZero();
    return out.trim();
  }

  @Test
  void chartValidatesCrdsApplyAndAnExposedDeploymentIsRouted() throws Exception {
    // With the optional admin NetworkPolicy and token Secret on, so the API server validates them
    // too.
    String rendered =
        Helm.fromRepo(repo)
            .run(
                "template",
                "flycast",
                "charts/flycast",
                "--namespace",
                ns,
                "--set",
                "admin.networkPolicy.enabled=true,admin.tokenSecret.name=flycast-admin",
                "--set-json",
                "admin.networkPolicy.from=" + HelmChartE2E.PROMETHEUS_PEERS)
            .stdout();
    Path manifest = Files.createTempFile("flycast-chart", ".yaml");
    Files.writeString(manifest, rendered);
    kubectl("create", "namespace", ns);
    try {
      kubectl("apply", "--dry-run=server", "-n", ns, "-f", manifest.toString());
      kubectl("apply", "-f", repo.resolve("crds").toString());
      kubectl("create", "deployment", "hello", "--image=nginx:stable", "--port=80", "-n", ns);
      kubectl("expose", "deployment", "hello", "--port=80", "-n", ns);
      kubectl("annotate", "service", "hello", "fly.io/flycast=true", "-n", ns);
      try (var flycast = FlycastProcess.startAgainst(kubeconfig, ns)) {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  assertThat(
                          kubectl(
                              "get",
                              "service",
                              "hello",
                              "-n",
                              ns,
                              "-o",
                              "jsonpath={.metadata.annotations.fly\\.io/clusterip-allocator}"))
                      .isEqualTo("configured");
                  assertThat(flycast.get("/debug/catalog").body())
                      .contains("\"name\":\"hello\"", "\"state\":\"ready\"");
                });
        // A second replica finds the first through its peer Lease and the shared token Secret, on
        // a real API server (docs/ha.md): whichever leads hears from the other.
        try (var second =
            FlycastProcess.startAgainst(
                kubeconfig, ns, "--identity", "flycast-e2e-second", "--shutdown-delay", "3s")) {
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      java.util.stream.Stream.of(flycast, second)
                          .anyMatch(
                              p ->
                                  p.get("/metrics")
                                      .body()
                                      .lines()
                                      .anyMatch(l -> l.equals("flycast_peers_heard 1.0"))));
          namedTargetPortResolvesThroughTheClustersEndpointSlices(flycast);
          aTypoInAnEnumIsRefusedByTheApiServerNamingTheField();
          theCrdsCelRulesAreTheApiServersToo();
          kubectlPrintsTheColumnsEmbeddedModePrints();
          // SIGTERM (docs/ha.md, Shutdown): readiness off at once, still serving, and if it led,
          // the Lease handed over on a real API server instead of expiring.
          await().atMost(WAIT).until(() -> HaE2E.leads(flycast) != HaE2E.leads(second));
          boolean secondLed = HaE2E.leads(second);
          second.sigterm();
          await()
              .atMost(Duration.ofSeconds(2))
              .until(() -> second.get("/readyz").statusCode() == 503);
          assertThat(second.get("/healthz").statusCode()).isEqualTo(200);
          if (secondLed) {
            await().atMost(Duration.ofSeconds(15)).until(() -> HaE2E.leads(flycast));
          }
          assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
          assertThat(second.process.exitValue()).isEqualTo(143);
        }
      }
    } finally {
      kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  /**
   * A Service whose targetPort names the container port, as most charts write it: the real
   * EndpointSlice controller resolves the name, and Flycast takes the number from the slice.
   */
  void namedTargetPortResolvesThroughTheClustersEndpointSlices(FlycastProcess flycast)
      throws Exception {
    Path manifest = Files.createTempFile("flycast-named", ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: named}
        spec:
          selector: {matchLabels: {app: named}}
          template:
            metadata: {labels: {app: named}}
            spec:
              containers:
              - name: web
                image: nginx:stable
                ports: [{name: http, containerPort: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: named, annotations: {fly.io/flycast: "true"}}
        spec:
          selector: {app: named}
          ports: [{name: web, port: 8080, targetPort: http}]
        """);
    kubectl("apply", "-n", ns, "-f", manifest.toString());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String catalog = flycast.get("/debug/catalog").body();
              assertThat(catalog).contains("\"name\":\"named\"");
              assertThat(
                      kubectl(
                          "get",
                          "service",
                          "named",
                          "-n",
                          ns,
                          "-o",
                          "jsonpath={.status.conditions[?(@.type==\"fly.io/Valid\")].status}"))
                  .isEqualTo("True");
              assertThat(catalog).containsPattern("\"name\":\"named\"[^]]*\"state\":\"ready\"");
            });
  }

  /** The CRD's schema, not the operator, refuses an unknown handler: 422 naming the field. */
  void aTypoInAnEnumIsRefusedByTheApiServerNamingTheField() throws Exception {
    Path manifest = Files.createTempFile("flycast-typo", ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: typo}
        spec:
          selector: {app: named}
          internalPort: 80
          ports: [{port: 80, handlers: [htttp]}]
        """);
    assertThat(applyRefused(manifest)).contains("handlers").contains("htttp");
  }

  /**
   * The CRD's CEL rules, which the embedded API evaluates with dev.cel (KubectlCelE2E), are what a
   * real API server enforces: the same objects are refused with the same messages.
   */
  void theCrdsCelRulesAreTheApiServersToo() throws Exception {
    Path limits = Files.createTempFile("flycast-cel", ".yaml");
    Files.writeString(
        limits,
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: limits}
        spec:
          selector: {app: named}
          internalPort: 80
          ports: [{port: 80, handlers: [http]}]
          concurrency: {type: requests, softLimit: 50, hardLimit: 10}
        """);
    assertThat(applyRefused(limits))
        .contains("spec.concurrency", "hardLimit must be greater than or equal to softLimit");
    Path https = Files.createTempFile("flycast-cel", ".yaml");
    Files.writeString(
        https,
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: https}
        spec:
          selector: {app: named}
          internalPort: 80
          ports: [{port: 443, handlers: [tls], forceHttps: true}]
        """);
    assertThat(applyRefused(https))
        .contains("spec.ports[0]", "forceHttps requires the http handler on the same port");
  }

  /** The printer columns come from the CRD: the header embedded mode prints (KubectlOutputE2E). */
  void kubectlPrintsTheColumnsEmbeddedModePrints() throws Exception {
    Path web = Files.createTempFile("flycast-columns", ".yaml");
    Files.writeString(
        web,
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: columns}
        spec:
          selector: {app: named}
          internalPort: 80
          ports: [{port: 80, handlers: [http]}]
        """);
    kubectl("apply", "-n", ns, "-f", web.toString());
    assertThat(kubectl("get", "exsvc", "columns", "-n", ns).lines().findFirst().orElseThrow())
        .matches("NAME\\s+AGE\\s+ADDRESS\\s+READY\\s+MACHINES\\s+PORTS\\s+SYNC\\s*");
    assertThat(kubectl("get", "all", "-n", ns)).contains("exposedservice.fly.io/columns");
  }

  /** {@code kubectl apply -f manifest} in the test namespace, which must fail: its output. */
  String applyRefused(Path manifest) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                repo.resolve(".tools/bin/kubectl").toString(),
                "--kubeconfig",
                kubeconfig,
                "apply",
                "-n",
                ns,
                "-f",
                manifest.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isNotZero();
    return out;
  }
}
