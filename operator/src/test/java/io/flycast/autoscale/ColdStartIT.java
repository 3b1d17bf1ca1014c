package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.ConcurrencySpec;
import io.flycast.catalog.RouteKey;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.runtime.LocalRuntime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cold starts against a local runtime that readies pods on the kubelet's schedule: the held request
 * is answered when the pod passes its own readiness probe, run by Flycast, not at the kubelet's
 * next probe period; a refused first connect is retried; a burst gets its backends at once.
 */
class ColdStartIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static LocalRuntime runtime;
  static Flycast flycast;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    runtime = new LocalRuntime(client).closeGrace(Duration.ofSeconds(2)).start();
    flycast =
        new Flycast(
                FlycastConfig.forTests(false)
                    .withProxy(new InetSocketAddress("127.0.0.1", 0), null)
                    .withAutoscale(Duration.ofMinutes(5), Duration.ofSeconds(30), 1000),
                client)
            .start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    flycast.close();
    runtime.close();
    api.close();
  }

  /** An HTTP readiness probe on the echo backend's {@code /ready}, every 10 s (the default). */
  static Probe httpReady() {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath("/ready")
        .withPort(new IntOrString(8080))
        .endHttpGet()
        .withPeriodSeconds(10)
        .build();
  }

  /** A route at zero whose pods run {@code probe} (null: none) and have {@code annotations}. */
  static void atZero(
      String ns,
      String name,
      Probe probe,
      Map<String, String> annotations,
      java.util.function.Consumer<io.flycast.api.ExposedServiceSpec> tweak) {
    TestApps.workload(client, ns, name, 0, annotations, probe);
    TestApps.exposed(
        client,
        ns,
        name,
        s -> {
          s.autoStopMachines = io.flycast.api.AutoStopMode.OFF;
          tweak.accept(s);
        });
    await()
        .atMost(WAIT)
        .until(() -> flycast.catalog().current().route(new RouteKey(ns, name)) != null);
  }

  static HttpRequest.Builder request(String ns, String name, String path) {
    InetSocketAddress proxy = flycast.proxy().httpAddress();
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.getPort() + path))
        .header("Host", name + "." + ns + ".flycast")
        .timeout(Duration.ofSeconds(40));
  }

  static List<Endpoint> endpoints(String ns, String name) {
    return client.discovery().v1().endpointSlices().inNamespace(ns).list().getItems().stream()
        .filter(s -> s.getEndpoints() != null)
        .flatMap(s -> s.getEndpoints().stream())
        .toList();
  }

  static boolean kubeletReady(String ns, String name) {
    return endpoints(ns, name).stream()
        .anyMatch(e -> Boolean.TRUE.equals(e.getConditions().getReady()));
  }

  /** The echo backend's own start: from its launch by the runtime to listening, from its log. */
  static Duration appStart(String ns, String pod) throws java.io.IOException {
    String log = java.nio.file.Files.readString(runtime.logDir().resolve(ns + "_" + pod + ".log"));
    var m =
        java.util.regex.Pattern.compile("(\\S+) echo backend .* launched (\\S+)\\)").matcher(log);
    assertThat(m.find()).as(log).isTrue();
    return Duration.between(
        java.time.Instant.parse(m.group(2)), java.time.Instant.parse(m.group(1)));
  }

  static int replicas(String ns, String name) {
    Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
    return d.getSpec().getReplicas();
  }

  @Test
  void theHeldRequestIsAnsweredWhenThePodPassesItsProbeNotAtTheKubeletsPeriod() throws Exception {
    atZero("early", "web", httpReady(), Map.of(), s -> {});
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        http.send(request("early", "web", "/").build(), HttpResponse.BodyHandlers.ofString());
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.statusCode()).isEqualTo(200);
    // The kubelet would first find the pod ready at its second probe, 10 s after the first; the
    // request is answered within the app's own start (launch to listening) plus a small bound.
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    String pod = r.headers().firstValue("x-echo-pod").orElseThrow();
    assertThat(took.minus(appStart("early", pod)))
        .as("beyond the app's own start")
        .isLessThan(Duration.ofMillis(1500));
    assertThat(kubeletReady("early", "web")).as("the kubelet has not seen it ready yet").isFalse();
    // Then the EndpointSlice catches up and routing goes on as usual.
    await().atMost(WAIT).until(() -> kubeletReady("early", "web"));
    assertThat(
            http.send(request("early", "web", "/").build(), HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aPodThatAcceptsTcpBeforeItsHttpReadinessPathPassesGetsNoRequestEarly() throws Exception {
    atZero(
        "tcpfirst", "web", httpReady(), Map.of(LocalRuntime.READY_DELAY_ANNOTATION, "3s"), s -> {});
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        http.send(request("tcpfirst", "web", "/").build(), HttpResponse.BodyHandlers.ofString());
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.statusCode()).isEqualTo(200);
    // It listens within about a second, and answers /ready 3 s after that: not before.
    assertThat(took).isGreaterThan(Duration.ofSeconds(3));
    assertThat(took).as("yet well before the kubelet's period").isLessThan(Duration.ofSeconds(9));
  }

  @Test
  void aConnectRefusedOnTheFirstTryIsRetriedAndTheRequestSucceeds() throws Exception {
    // No readiness probe: Ready once started, as the kubelet does, a second before it listens.
    atZero("refused", "web", null, Map.of(LocalRuntime.START_DELAY_ANNOTATION, "1s"), s -> {});
    HttpResponse<String> r =
        http.send(request("refused", "web", "/").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"pod\":\"web-");
  }

  @Test
  void aBurstAtZeroGetsItsBackendsAtOnceAndNoPodGoesOverItsHardLimit() throws Exception {
    atZero(
        "burst",
        "api",
        new ProbeBuilder()
            .withNewTcpSocket()
            .withPort(new IntOrString(8080))
            .endTcpSocket()
            .withPeriodSeconds(10)
            .build(),
        Map.of(),
        s -> {
          s.concurrency = new ConcurrencySpec();
          s.concurrency.type = ConcurrencySpec.Kind.REQUESTS;
          s.concurrency.softLimit = 20;
          s.concurrency.hardLimit = 25;
          s.maxMachinesRunning = 10;
        });
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          http.sendAsync(
              request("burst", "api", "/r" + i).header("x-echo-delay-ms", "300").build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    int maxInFlight = 0;
    for (var f : all) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).isEqualTo(200);
      maxInFlight =
          Math.max(
              maxInFlight,
              Integer.parseInt(r.headers().firstValue("x-echo-in-flight").orElse("0")));
    }
    assertThat(maxInFlight).as("most requests one pod served at once").isBetween(1, 25);
    assertThat(replicas("burst", "api")).as("ceil(200 / 20) backends").isEqualTo(10);
  }
}
