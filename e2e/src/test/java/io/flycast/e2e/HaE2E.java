package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two processes of the packaged jar on one API, as a user runs them: {@code make run}'s embedded
 * mode, and a second Flycast against its kubeconfig. The one that does not lead carries a slow
 * request to a scale-to-zero route; the leader, polling its load, keeps the backend until the
 * request is done, then stops it.
 */
class HaE2E {
  static FlycastProcess first;
  static FlycastProcess second;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    first =
        FlycastProcess.startEmbedded(
            "--apply",
            FlycastProcess.repo().resolve("examples").toString(),
            "--autostop-interval",
            "1s",
            "--identity",
            "first");
    second =
        FlycastProcess.startAgainst(
            first.stateDir.resolve("kubeconfig").toString(),
            "default",
            "--autostop-interval",
            "1s",
            "--identity",
            "second",
            // Embedded mode trusts the host's loopback by default; a process against a cluster does
            // not.
            "--trusted-cidrs",
            "127.0.0.0/8,::1/128");
    client = first.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    for (FlycastProcess p : new FlycastProcess[] {second, first}) {
      if (p != null) {
        p.close();
      }
    }
  }

  static boolean leads(FlycastProcess p) {
    return p.get("/metrics")
        .body()
        .lines()
        .anyMatch(l -> l.startsWith("flycast_leader ") && l.endsWith(" 1.0"));
  }

  static int sleepyReplicas() {
    return client
        .apps()
        .deployments()
        .inNamespace("default")
        .withName("sleepy")
        .get()
        .getSpec()
        .getReplicas();
  }

  @Test
  void aSlowRequestThroughTheReplicaThatDoesNotLeadSurvivesAutostopThenTheBackendStops()
      throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> leads(first) != leads(second));
    FlycastProcess follower = leads(first) ? second : first;
    FlycastProcess leader = follower == first ? second : first;
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                leader
                    .get("/metrics")
                    .body()
                    .lines()
                    .anyMatch(l -> l.startsWith("flycast_peers_heard ") && l.endsWith(" 1.0")));
    // Autostart through the follower, then 15 s of work there: ~15 autostop intervals (of 1 s,
    // the interval the chart's tests use too; the peers' load reports come every second).
    CompletableFuture<FlycastProcess.RawResponse> slow =
        CompletableFuture.supplyAsync(
            () ->
                follower.viaProxy(
                    "sleepy.default.flycast", "/slow", List.of("x-echo-delay-ms: 15000")));
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> sleepyReplicas() == 1);
    FlycastProcess.RawResponse r = slow.get(90, TimeUnit.SECONDS);
    assertThat(r.statusCode())
        .as("through the replica that does not lead: %s", r.raw())
        .isEqualTo(200);
    // The cold start was the follower's; status, which only the leader writes, still shows it.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              var es =
                  client
                      .genericKubernetesResources("fly.io/v1alpha1", "ExposedService")
                      .inNamespace("default")
                      .withName("sleepy")
                      .get();
              Object status = es.getAdditionalProperties().get("status");
              return status instanceof java.util.Map<?, ?> m && m.get("lastAutostart") != null;
            });
    // Idle on both now: the leader stops it within a few intervals.
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> sleepyReplicas() == 0);
  }
}
