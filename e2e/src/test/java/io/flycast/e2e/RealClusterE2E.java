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
            FlycastProcess.startAgainst(kubeconfig, ns, "--identity", "flycast-e2e-second")) {
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
        }
      }
    } finally {
      kubectl("delete", "namespace", ns, "--wait=false");
    }
  }
}
