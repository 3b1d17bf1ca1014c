package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autostop and autostart end to end: the embedded API, the local runtime running real backend
 * processes, Flycast's proxy on a real socket, and a real HTTP client.
 */
class AutoscaleIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static LocalRuntime runtime;
  static Flycast flycast;
  static HttpClient http;
  static final Map<String, AtomicInteger> scaleWrites =
      new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    api.onRequest(
        (agent, method, path) -> {
          if (path.endsWith("/scale") && !"GET".equals(method)) {
            String name = path.split("/")[7];
            scaleWrites.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
          }
        });
    client = api.client();
    runtime = new LocalRuntime(client).closeGrace(Duration.ofSeconds(2)).start();
    flycast =
        new Flycast(
                FlycastConfig.forTests(false)
                    .withProxy(new InetSocketAddress("127.0.0.1", 0), null)
                    .withAutoscale(Duration.ofSeconds(1), Duration.ofSeconds(15), 500),
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

  static void workload(String ns, String name, int replicas, Map<String, String> podAnnotations) {
    TestApps.workload(client, ns, name, replicas, podAnnotations);
  }

  static ExposedService exposed(
      String ns, String name, java.util.function.Consumer<ExposedServiceSpec> tweak) {
    return TestApps.exposed(client, ns, name, tweak);
  }

  static int replicas(String ns, String name) {
    return client.apps().deployments().inNamespace(ns).withName(name).get().getSpec().getReplicas();
  }

  static void awaitRouted(String ns, String name) {
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

  static HttpResponse<String> get(String ns, String name, String path) throws Exception {
    return http.send(request(ns, name, path).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRequestToARouteAtZeroIsAnsweredAfterAutostartAndTheIdleRouteStopsAgain() throws Exception {
    workload("cold", "web", 0, Map.of());
    exposed("cold", "web", s -> {});
    awaitRouted("cold", "web");

    HttpResponse<String> r = get("cold", "web", "/hello");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"pod\":\"web-", "\"path\":\"/hello\"");
    assertThat(replicas("cold", "web")).isEqualTo(1);

    // Idle for a whole interval: scaled back to minMachinesRunning (0), with an Event and status.
    await().atMost(WAIT).until(() -> replicas("cold", "web") == 0);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(client.v1().events().inNamespace("cold").list().getItems())
                  .anyMatch(e -> "Autostart".equals(e.getReason()))
                  .anyMatch(e -> "Autostop".equals(e.getReason()));
              var st =
                  client
                      .resources(ExposedService.class)
                      .inNamespace("cold")
                      .withName("web")
                      .get()
                      .getStatus();
              assertThat(st.lastAutostop).isNotNull();
              assertThat(st.lastAutostart).isNotNull();
            });
  }

  @Test
  void twoHundredConcurrentRequestsDuringOneColdStartAllSucceedWithOneScaleUp() throws Exception {
    workload("herd", "api", 0, Map.of("fly.io/start-delay", "1s"));
    exposed("herd", "api", s -> s.autoStopMachines = io.flycast.api.AutoStopMode.OFF);
    awaitRouted("herd", "api");

    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          http.sendAsync(
              request("herd", "api", "/r" + i).build(), HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .get(60, java.util.concurrent.TimeUnit.SECONDS);
    for (var f : all) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
    assertThat(scaleWrites.get("api").get()).as("scale-ups").isEqualTo(1);
    assertThat(replicas("herd", "api")).isEqualTo(1);
  }

  @Test
  void aBackendThatDoesNotStartInTimeGets503WithRetryAfterAndNothingHangs() throws Exception {
    workload("slow", "db", 0, Map.of("fly.io/start-delay", "40s"));
    exposed("slow", "db", s -> s.autoStopMachines = io.flycast.api.AutoStopMode.OFF);
    awaitRouted("slow", "db");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(
          http.sendAsync(request("slow", "db", "/").build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : all) {
      HttpResponse<String> r = f.get(40, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(r.body()).contains("did not start within 15s");
    }
    assertThat(flycast.proxy()).isNotNull();
  }

  @Test
  void withAutostartOffAndNothingRunningTheAnswerIs503AtOnce() throws Exception {
    workload("off", "batch", 0, Map.of());
    exposed("off", "batch", s -> s.autoStartMachines = false);
    awaitRouted("off", "batch");
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("off", "batch", "/");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("autostart is off");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(replicas("off", "batch")).isZero();
  }

  @Test
  void inFlightRequestsSurviveAutostopOfTheirBackend() throws Exception {
    workload("drain", "slow", 2, Map.of());
    // minMachinesRunning 2 until both requests are in flight: otherwise the first pod ready is
    // idle excess, and may be stopped before the second one is ready.
    exposed("drain", "slow", AutoscaleIT::oneRequestPerBackend);
    awaitRouted("drain", "slow");
    awaitBothReady(new RouteKey("drain", "slow"));
    // Two slow requests, one per backend (the second once the first counts): both backends are busy
    // when the
    // interval ends, one of them is the excess and is stopped only after its request is done.
    var a =
        http.sendAsync(
            request("drain", "slow", "/a").header("x-echo-delay-ms", "2500").build(),
            HttpResponse.BodyHandlers.ofString());
    awaitOneInFlight(new RouteKey("drain", "slow"));
    var b =
        http.sendAsync(
            request("drain", "slow", "/b").header("x-echo-delay-ms", "2500").build(),
            HttpResponse.BodyHandlers.ofString());
    allowAutostopOnceBothBusy("drain", "slow");
    assertThat(a.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(b.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> replicas("drain", "slow") < 2);
  }

  /**
   * Two backends kept until both carry a request, one each: requests count, soft limit 1, so the
   * second request goes to the backend still under it (two random picks alone may pick one twice).
   */
  private static void oneRequestPerBackend(ExposedServiceSpec s) {
    s.minMachinesRunning = 2;
    s.concurrency = new io.flycast.api.ConcurrencySpec();
    s.concurrency.type = io.flycast.api.ConcurrencySpec.Kind.REQUESTS;
    s.concurrency.softLimit = 1;
  }

  private static void awaitBothReady(RouteKey key) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                flycast.catalog().current().route(key).backends().stream()
                        .filter(io.flycast.catalog.Backend::acceptsNewWork)
                        .count()
                    == 2);
  }

  /**
   * Waits until the first request holds its backend's lease: two picks at the same instant may both
   * see every backend idle and choose the same one (the soft limit is soft), so the second request
   * is sent only once the first one counts.
   */
  private static void awaitOneInFlight(RouteKey key) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                flycast.catalog().current().route(key).backends().stream()
                        .mapToInt(b -> flycast.proxy().balancer().tracker().load(key, b.name()))
                        .sum()
                    == 1);
  }

  /** Once each backend carries one request, lets autostop go down to zero. */
  private static void allowAutostopOnceBothBusy(String ns, String name) {
    RouteKey key = new RouteKey(ns, name);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(flycast.catalog().current().route(key).backends())
                    .allSatisfy(
                        b ->
                            assertThat(flycast.proxy().balancer().tracker().load(key, b.name()))
                                .isEqualTo(1)));
    io.flycast.control.Fixtures.lowerMinimum(client, ns, name);
  }

  @Test
  void streamedResponsesSurviveAutostopOfTheirBackend() throws Exception {
    workload("stream", "sse", 2, Map.of());
    exposed(
        "stream",
        "sse",
        AutoscaleIT::oneRequestPerBackend); // as above: no stop before both streams run
    awaitRouted("stream", "sse");
    awaitBothReady(new RouteKey("stream", "sse"));
    // Two event streams of 20 events, 100 ms apart: both backends are busy across an autostop
    // interval; the one stopped is drained first, so both streams arrive whole.
    var a =
        http.sendAsync(
            request("stream", "sse", "/sse").build(), HttpResponse.BodyHandlers.ofString());
    awaitOneInFlight(new RouteKey("stream", "sse"));
    var b =
        http.sendAsync(
            request("stream", "sse", "/sse").build(), HttpResponse.BodyHandlers.ofString());
    allowAutostopOnceBothBusy("stream", "sse");
    for (var f : List.of(a, b)) {
      HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body().lines().filter(l -> l.startsWith("data: ")).count()).isEqualTo(20);
    }
    await().atMost(WAIT).until(() -> replicas("stream", "sse") < 2);
  }

  @Test
  void webSocketsSurviveAutostopOfTheirBackendUntilTheyClose() throws Exception {
    workload("ws", "chat", 2, Map.of());
    // A floor of 2 keeps both up until the WebSockets are open; then the floor drops to 0.
    exposed("ws", "chat", AutoscaleIT::oneRequestPerBackend);
    awaitRouted("ws", "chat");
    awaitBothReady(new RouteKey("ws", "chat"));
    List<java.util.concurrent.BlockingQueue<String>> inboxes = new ArrayList<>();
    List<java.net.http.WebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      var inbox = new java.util.concurrent.LinkedBlockingQueue<String>();
      inboxes.add(inbox);
      sockets.add(
          http.newWebSocketBuilder()
              .header("Host", "chat.ws.flycast")
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + flycast.proxy().httpAddress().getPort() + "/ws"),
                  new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(
                        java.net.http.WebSocket ws, CharSequence data, boolean last) {
                      inbox.add(data.toString());
                      ws.request(1);
                      return null;
                    }
                  })
              .get(20, java.util.concurrent.TimeUnit.SECONDS));
    }
    allowAutostopOnceBothBusy("ws", "chat");
    // Both backends hold a WebSocket; one of them is the excess and is cordoned, but stays up
    // while its WebSocket is open: several autostop intervals later both still echo.
    long intervalsLater = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    await().atMost(WAIT).until(() -> System.nanoTime() > intervalsLater);
    for (int i = 0; i < 2; i++) {
      sockets
          .get(i)
          .sendText("still here " + i, true)
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(inboxes.get(i).poll(10, java.util.concurrent.TimeUnit.SECONDS))
          .isEqualTo("still here " + i);
    }
    assertThat(replicas("ws", "chat")).isEqualTo(2);
    // Once they close, the drained backend is stopped.
    for (var ws : sockets) {
      ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye")
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    await().atMost(WAIT).until(() -> replicas("ws", "chat") < 2);
  }

  @Test
  void aStatefulSetLosesItsHighestOrdinalAndThatIsThePodDrained() throws Exception {
    TestApps.statefulSet(client, "sts", "db", 2);
    exposed("sts", "db", s -> s.minMachinesRunning = 2); // no stop before both pods run
    awaitRouted("sts", "db");
    awaitBothReady(new RouteKey("sts", "db"));
    client
        .resources(ExposedService.class)
        .inNamespace("sts")
        .withName("db")
        // A merge patch, as kubectl patch sends: edit() pins the resourceVersion it read, and the
        // operator's status writes in between would make that a 409 on any API server.
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"minMachinesRunning\":0}}");
    // Both idle: one is excess. Kubernetes removes db-1 whatever the marks, so db-1 is the one
    // cordoned, drained and named; then db-0, idle for a whole interval.
    await()
        .atMost(WAIT)
        .until(
            () ->
                client
                        .apps()
                        .statefulSets()
                        .inNamespace("sts")
                        .withName("db")
                        .get()
                        .getSpec()
                        .getReplicas()
                    == 0);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace("sts").list().getItems())
                    .filteredOn(e -> "Autostop".equals(e.getReason()))
                    .extracting(io.fabric8.kubernetes.api.model.Event::getMessage)
                    .anyMatch(m -> m.startsWith("stopped db-1, scaled to 1"))
                    .anyMatch(m -> m.startsWith("stopped db-0, scaled to 0")));
  }

  @Test
  void whenEveryBackendIsOverItsSoftLimitAnotherIsStartedUpToTheCeiling() throws Exception {
    workload("busy", "gpu", 3, Map.of());
    exposed(
        "busy",
        "gpu",
        s -> {
          s.autoStopMachines = io.flycast.api.AutoStopMode.OFF;
          s.maxMachinesRunning = 4;
          s.concurrency = new io.flycast.api.ConcurrencySpec();
          s.concurrency.type = io.flycast.api.ConcurrencySpec.Kind.REQUESTS;
          s.concurrency.softLimit = 1;
        });
    awaitRouted("busy", "gpu");
    await()
        .atMost(WAIT)
        .until(
            () ->
                flycast.catalog().current().route(new RouteKey("busy", "gpu")).backends().stream()
                        .filter(io.flycast.catalog.Backend::acceptsNewWork)
                        .count()
                    == 3);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(
          http.sendAsync(
              request("busy", "gpu", "/" + i).header("x-echo-delay-ms", "2000").build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(WAIT).until(() -> replicas("busy", "gpu") == 4);
    for (var f : all) {
      assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(replicas("busy", "gpu")).isEqualTo(4);
  }
}
