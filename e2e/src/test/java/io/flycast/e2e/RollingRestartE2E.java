package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of two replicas of the packaged jar behind a Service, under steady keep-alive
 * load, loses no request. {@link ServiceEndpoints} plays the EndpointSlice controller and
 * kube-proxy (readiness decides, a poll lags behind it); {@link SteadyLoad} plays the clients. The
 * roll is the Deployment's with maxSurge 1, maxUnavailable 0: start C, then SIGTERM A; start D,
 * then SIGTERM B. The process that hosts the embedded API stays out of the rotation.
 */
class RollingRestartE2E {
  static final String HOST = "echo.default.flycast";

  /**
   * How long a Service takes to stop sending to a replica whose readiness failed: a poll, then the
   * change reaching "every node". About a second, longer than the replica takes to close, so that
   * closing at once would refuse connections still sent to it.
   */
  static final Duration ENDPOINT_POLL = Duration.ofMillis(250);

  static final Duration ENDPOINT_PROPAGATION = Duration.ofMillis(750);

  /** Short for a test, yet well above that lag, as the default 10 s is above a cluster's. */
  static final String SHUTDOWN_DELAY = "3s";

  /** What the JVM exits with when SIGTERM ran its shutdown hooks to the end: 128 + 15. */
  static final int EXIT_ON_SIGTERM = 143;

  final List<FlycastProcess> processes = new ArrayList<>();

  /**
   * The replicas still running at once (each waits out its shutdown delay), then the process that
   * hosts the API they watch.
   */
  @AfterEach
  void stopAll() throws Exception {
    List<CompletableFuture<Void>> stopping = new ArrayList<>();
    for (FlycastProcess p : processes.subList(Math.min(1, processes.size()), processes.size())) {
      stopping.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  if (p.process.isAlive()) {
                    p.close();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              Thread::startVirtualThread));
    }
    try {
      CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
    } finally {
      if (!processes.isEmpty() && processes.getFirst().process.isAlive()) {
        processes.getFirst().close();
      }
    }
  }

  static Path echoApp() throws Exception {
    Path dir = Files.createTempDirectory("flycast-rolling");
    Files.writeString(
        dir.resolve("echo.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: echo, namespace: default}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: echo}
          template:
            metadata:
              labels: {app: echo}
            spec:
              containers:
              - name: echo
                image: echo
                ports: [{containerPort: 8080}]
        ---
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: echo, namespace: default}
        spec:
          selector: {app: echo}
          internalPort: 8080
          ports:
          - port: 80
            handlers: [http]
        """);
    return dir;
  }

  FlycastProcess replica(FlycastProcess api, String identity) throws Exception {
    FlycastProcess p =
        FlycastProcess.startAgainst(
            api.stateDir.resolve("kubeconfig").toString(),
            "default",
            "--identity",
            identity,
            "--shutdown-delay",
            SHUTDOWN_DELAY,
            // Embedded mode trusts the host's loopback by default; a process against a cluster does
            // not.
            "--trusted-cidrs",
            "127.0.0.0/8,::1/128");
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  /** SIGTERM, then its exit code once it has exited. */
  static int terminate(FlycastProcess p) throws Exception {
    p.sigterm();
    assertThat(p.process.waitFor(20, TimeUnit.SECONDS))
        .as("exits within the delay, the grace and a margin")
        .isTrue();
    return p.process.exitValue();
  }

  /**
   * Until each of {@code replicas} has served some requests since {@code since}, failing at the
   * first failure.
   */
  static void awaitServed(SteadyLoad load, long since, FlycastProcess... replicas) {
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(load.failures()).as("requests lost").isEmpty();
              for (FlycastProcess r : replicas) {
                assertThat(load.servedBy(r, since))
                    .as("served by the replica on port %d", r.httpPort)
                    .isGreaterThan(20);
              }
            });
  }

  @Test
  void aRollingRestartOfTwoReplicasUnderSteadyLoadLosesNoRequest() throws Exception {
    FlycastProcess api =
        FlycastProcess.startEmbedded("--apply", echoApp().toString(), "--identity", "api");
    processes.add(api);
    CompletableFuture<FlycastProcess> startingB =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return replica(api, "b");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            Thread::startVirtualThread);
    FlycastProcess a = replica(api, "a");
    FlycastProcess b = startingB.get(90, TimeUnit.SECONDS);
    for (FlycastProcess p : List.of(a, b)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> p.viaProxy(HOST, "/").statusCode() == 200);
    }

    try (ServiceEndpoints service = new ServiceEndpoints(ENDPOINT_POLL, ENDPOINT_PROPAGATION)) {
      service.add(a);
      service.add(b);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> service.isEndpoint(a) && service.isEndpoint(b));
      try (SteadyLoad load = new SteadyLoad(service, HOST, 4, 5, Duration.ofMillis(10))) {
        awaitServed(load, 0, a, b);

        FlycastProcess c = replica(api, "c");
        service.add(c);
        awaitServed(load, 0, c);
        long aTerminated = System.nanoTime();
        int aExit = terminate(a);
        service.remove(a);

        FlycastProcess d = replica(api, "d");
        service.add(d);
        awaitServed(load, 0, d);
        long bTerminated = System.nanoTime();
        int bExit = terminate(b);
        service.remove(b);
        long rolled = System.nanoTime();
        awaitServed(load, rolled, c, d);
        load.close();

        assertThat(load.failures()).as("requests lost during the roll").isEmpty();
        assertThat(load.servedBy(a, aTerminated) + load.servedBy(b, bTerminated))
            .as("served by a replica after its SIGTERM, in its shutdown delay")
            .isPositive();
        assertThat(load.longestGap())
            .as("longest time without a response, of %d served", load.served())
            .isLessThan(Duration.ofSeconds(2));
        assertThat(List.of(aExit, bExit))
            .as("exit codes: SIGTERM ran the shutdown to its end")
            .containsExactly(EXIT_ON_SIGTERM, EXIT_ON_SIGTERM);
        for (FlycastProcess p : List.of(a, b)) {
          assertThat(Files.readString(p.log))
              .as("log of %s", p.log)
              .contains("proxy draining", "proxy stopped", "flycast stopped");
        }
      }
    }
  }
}
