package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.catalog.Backend;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.runtime.LocalRuntime;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Autostop with three replicas on one API, each proxying: the leader decides with every replica's
 * load in view, its cordons reach every replica, and it stops nothing it cannot prove idle. Real
 * local pods, real sockets, each replica's own proxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaAutoscaleIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Duration INTERVAL = Duration.ofSeconds(2);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static LocalRuntime runtime;
  static final List<Flycast> replicas = new ArrayList<>();
  static HttpClient http;

  /**
   * Scale writes seen by the API, with which replicas had which backends cordoned at that moment.
   */
  static final List<String> scaleWrites = new CopyOnWriteArrayList<>();

  static final Map<String, Set<String>> cordonedAtScaleWrite = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    api.onRequest(
        (agent, method, path) -> {
          if (path.endsWith("/scale") && !"GET".equals(method)) {
            String[] p = path.split("/");
            String key = p[5] + "/" + p[7];
            scaleWrites.add(key);
            cordonedAtScaleWrite.put(
                key + "#" + scaleWrites.size(), cordonedEverywhere(new RouteKey(p[5], p[7])));
          }
        });
    client = api.client();
    runtime = new LocalRuntime(client).closeGrace(Duration.ofSeconds(2)).start();
    for (int i = 0; i < 3; i++) {
      replicas.add(
          new Flycast(
                  FlycastConfig.forTests(false)
                      .withProxy(new InetSocketAddress("127.0.0.1", 0), null)
                      .withAutoscale(INTERVAL, Duration.ofSeconds(15), 500),
                  api.client())
              .start());
    }
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    await().atMost(WAIT).until(() -> replicas.stream().filter(Flycast::isLeader).count() == 1);
  }

  @AfterAll
  static void stop() {
    replicas.forEach(Flycast::close);
    runtime.close();
    api.close();
  }

  static Flycast leader() {
    return replicas.stream().filter(Flycast::isLeader).findFirst().orElseThrow();
  }

  static List<Flycast> followers() {
    return replicas.stream().filter(f -> !f.isLeader()).toList();
  }

  /** The backends of {@code key} that every running replica has cordoned now. */
  static Set<String> cordonedEverywhere(RouteKey key) {
    Set<String> all = null;
    for (Flycast f : replicas) {
      if (f.proxy() == null || f.admin() == null) {
        continue;
      }
      Route route = f.catalog().current().route(key);
      Set<String> here = new java.util.HashSet<>();
      if (route != null) {
        for (Backend b : route.backends()) {
          if (f.proxy().balancer().tracker().isCordoned(key, b.name())) {
            here.add(b.name());
          }
        }
      }
      if (all == null) {
        all = here;
      } else {
        all.retainAll(here);
      }
    }
    return all == null ? Set.of() : all;
  }

  static void workload(String ns, String name, int count) {
    TestApps.workload(client, ns, name, count, Map.of());
  }

  static void exposed(String ns, String name, Consumer<ExposedServiceSpec> tweak) {
    TestApps.exposed(client, ns, name, tweak);
  }

  static int deploymentReplicas(String ns, String name) {
    return client.apps().deployments().inNamespace(ns).withName(name).get().getSpec().getReplicas();
  }

  /**
   * Lets autostop go down to zero. A test holds its backends up with {@code minMachinesRunning}
   * until every replica has seen them: idle backends are excess from the first autostop tick, which
   * can come before the last replica saw them ready.
   */
  static void lowerMinimum(String ns, String name) {
    io.flycast.control.Fixtures.lowerMinimum(client, ns, name);
  }

  /** The scale writes made since {@code mark} writes had been made. */
  static List<String> writesSince(int mark) {
    List<String> all = List.copyOf(scaleWrites);
    return all.subList(mark, all.size());
  }

  /** Every replica routes {@code ns/name} with {@code count} ready backends. */
  static void awaitReadyEverywhere(String ns, String name, int count) {
    RouteKey key = new RouteKey(ns, name);
    await()
        .atMost(WAIT)
        .until(
            () ->
                replicas.stream()
                    .allMatch(
                        f -> {
                          Route r = f.catalog().current().route(key);
                          return r != null
                              && r.backends().stream().filter(Backend::acceptsNewWork).count()
                                  == count;
                        }));
  }

  static CompletableFuture<HttpResponse<String>> send(
      Flycast via, String ns, String name, long delayMillis) {
    int port = via.proxy().httpAddress().getPort();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .header("Host", name + "." + ns + ".flycast")
            .header("x-echo-delay-ms", Long.toString(delayMillis))
            .timeout(Duration.ofSeconds(90))
            .build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
  }

  static double refusedStops(Flycast f) {
    return f.registry().scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals("flycast_autostop_refused"))
        .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
        .filter(dp -> "no_report".equals(dp.getLabels().get("reason")))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  @Order(1)
  void aSlowRequestThroughAReplicaThatDoesNotLeadKeepsItsBackendThenItStopsOnceIdleEverywhere()
      throws Exception {
    workload("ha-slow", "web", 1);
    exposed("ha-slow", "web", s -> {});
    awaitReadyEverywhere("ha-slow", "web", 1);
    long start = System.nanoTime();
    var writesWhileBusy = new java.util.concurrent.atomic.AtomicReference<List<String>>();
    int sent = scaleWrites.size();
    HttpResponse<String> r =
        send(followers().get(0), "ha-slow", "web", 30_000)
            .whenComplete((done, e) -> writesWhileBusy.set(writesSince(sent)))
            .get(90, TimeUnit.SECONDS);
    assertThat(r.statusCode())
        .as("a 30 s request through a replica that does not lead, across ~15 intervals")
        .isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(writesWhileBusy.get())
        .as("nothing scaled the busy backend down")
        .doesNotContain("ha-slow/web");
    // Idle everywhere now: stopped within a couple of intervals.
    await().atMost(WAIT).until(() -> deploymentReplicas("ha-slow", "web") == 0);
  }

  @Test
  @Order(2)
  void backendsOverTheSoftLimitThroughDifferentReplicasAreNotExcess() throws Exception {
    workload("ha-busy", "api", 3);
    exposed(
        "ha-busy",
        "api",
        s -> {
          s.concurrency = new io.flycast.api.ConcurrencySpec();
          s.concurrency.type = io.flycast.api.ConcurrencySpec.Kind.REQUESTS;
          s.concurrency.softLimit = 1;
          s.minMachinesRunning = 3;
        });
    awaitReadyEverywhere("ha-busy", "api", 3);
    // Two slow requests through each replica, the second once the first holds its backend: each
    // replica puts them on two different backends (the second pick skips the one at the soft
    // limit), so the six make (2,2,2), (3,2,1) or (3,3,0) in sum: at least two backends over the
    // soft limit of 1, no excess. The leader alone sees one request each on two: excess, wrongly.
    RouteKey busy = new RouteKey("ha-busy", "api");
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (Flycast f : replicas) {
      all.add(send(f, "ha-busy", "api", 8_000));
      await().atMost(WAIT).until(() -> inFlight(f, busy) == 1);
      all.add(send(f, "ha-busy", "api", 8_000));
    }
    await().atMost(WAIT).until(() -> replicas.stream().allMatch(f -> inFlight(f, busy) == 2));
    // Autostop may stop one only from here: the reports the leader has at its next tick may be
    // from before some of these requests reached their replica, and it must not stop a backend
    // on them.
    int sent = scaleWrites.size();
    lowerMinimum("ha-busy", "api");
    // Only writes while every request ran count: as the first ones finish, the load drops and a
    // backend becomes excess for real.
    var writesWhileAllBusy = new java.util.concurrent.atomic.AtomicReference<List<String>>();
    CompletableFuture.anyOf(all.toArray(CompletableFuture[]::new))
        .whenComplete((r, e) -> writesWhileAllBusy.set(writesSince(sent)));
    for (var f : all) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(writesWhileAllBusy.get())
        .as("no backend was stopped as excess while all were busy")
        .doesNotContain("ha-busy/api");
  }

  /** Requests {@code f}'s own proxy has in flight on the backends of {@code key}. */
  static int inFlight(Flycast f, RouteKey key) {
    return f.catalog().current().route(key).backends().stream()
        .mapToInt(b -> f.proxy().balancer().tracker().load(key, b.name()))
        .sum();
  }

  @Test
  @Order(3)
  void aCordonReachesEveryReplicaBeforeTheBackendIsStopped() throws Exception {
    workload("ha-pair", "app", 2);
    exposed("ha-pair", "app", s -> s.minMachinesRunning = 2);
    awaitReadyEverywhere("ha-pair", "app", 2);
    lowerMinimum("ha-pair", "app");
    // Idle: one is excess, then the other idle for a whole interval. Each stop comes after its
    // backend was cordoned on all three replicas.
    await().atMost(WAIT).until(() -> deploymentReplicas("ha-pair", "app") == 0);
    List<String> writes =
        cordonedAtScaleWrite.keySet().stream().filter(k -> k.startsWith("ha-pair/app#")).toList();
    assertThat(writes).hasSizeGreaterThanOrEqualTo(2);
    for (String w : writes) {
      assertThat(cordonedAtScaleWrite.get(w))
          .as("backends cordoned on every replica at scale write %s", w)
          .isNotEmpty();
    }
  }

  @Test
  @Order(4)
  void aReplicaThatDoesNotLeadScalesOutUpToTheCeilingItLearnedToo() throws Exception {
    workload("ha-out", "gpu", 2);
    exposed(
        "ha-out",
        "gpu",
        s -> {
          s.concurrency = new io.flycast.api.ConcurrencySpec();
          s.concurrency.type = io.flycast.api.ConcurrencySpec.Kind.REQUESTS;
          s.concurrency.softLimit = 1;
          s.minMachinesRunning = 2;
        });
    awaitReadyEverywhere("ha-out", "gpu", 2);
    lowerMinimum("ha-out", "gpu");
    // Every replica's autostop loop saw 2 running: that is the ceiling. Idle, they are stopped.
    await().atMost(WAIT).until(() -> deploymentReplicas("ha-out", "gpu") == 0);
    // Three slow requests through a replica that does not lead: the first starts one backend,
    // all three land on it, over its soft limit of 1, and that replica scales out to the ceiling.
    Flycast follower = followers().get(0);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      all.add(send(follower, "ha-out", "gpu", 6_000));
    }
    await().atMost(WAIT).until(() -> deploymentReplicas("ha-out", "gpu") == 2);
    for (var f : all) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @Order(5)
  void theLeaderDyingMidDrainStopsNothingBusy() throws Exception {
    workload("ha-kill", "app", 2);
    exposed(
        "ha-kill",
        "app",
        s -> {
          s.minMachinesRunning = 2;
          // Requests, soft limit 1: the second request goes to the backend still under it, so each
          // backend carries one (two random picks alone could put both on one).
          s.concurrency = new io.flycast.api.ConcurrencySpec();
          s.concurrency.type = io.flycast.api.ConcurrencySpec.Kind.REQUESTS;
          s.concurrency.softLimit = 1;
        });
    awaitReadyEverywhere("ha-kill", "app", 2);
    RouteKey key = new RouteKey("ha-kill", "app");
    Flycast follower = followers().get(0);
    int sent = scaleWrites.size();
    var a = send(follower, "ha-kill", "app", 12_000);
    // The second once the first holds its lease: two picks at one instant may both see every
    // backend idle and choose the same one (the soft limit is soft).
    await()
        .atMost(WAIT)
        .until(
            () ->
                follower.catalog().current().route(key).backends().stream()
                        .mapToInt(x -> follower.proxy().balancer().tracker().load(key, x.name()))
                        .sum()
                    == 1);
    var b = send(follower, "ha-kill", "app", 12_000);
    // What was written while both requests ran: once the drained one is done, stopping its idle
    // backend is the point of the drain, so only writes before the first answer count.
    var writesWhileBothBusy = new java.util.concurrent.atomic.AtomicReference<List<String>>();
    CompletableFuture.anyOf(a, b)
        .whenComplete((r, e) -> writesWhileBothBusy.set(writesSince(sent)));
    // One on each backend, then autostop may go down to zero: neither is over the soft limit, so
    // one is excess; it is cordoned everywhere and drains while its request runs.
    await()
        .atMost(WAIT)
        .until(
            () ->
                follower.catalog().current().route(key).backends().stream()
                    .allMatch(x -> follower.proxy().balancer().tracker().load(key, x.name()) == 1));
    lowerMinimum("ha-kill", "app");
    await().atMost(WAIT).until(() -> !cordonedEverywhere(key).isEmpty());
    Flycast old = leader();
    replicas.remove(old);
    old.close(); // dies mid-drain
    assertThat(a.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(b.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> writesWhileBothBusy.get() != null);
    assertThat(writesWhileBothBusy.get())
        .as("nothing busy was stopped, by the old leader or the new")
        .doesNotContain("ha-kill/app");
    await().atMost(WAIT).until(() -> replicas.stream().filter(Flycast::isLeader).count() == 1);
    // Idle everywhere now: the new leader, once it has a full interval of reports, stops them.
    await().atMost(WAIT).until(() -> deploymentReplicas("ha-kill", "app") == 0);
  }

  @Test
  @Order(6)
  void aReplicaThatCannotBeHeardFromBlocksEveryStopAndSaysSo() throws Exception {
    workload("ha-part", "idle", 1);
    exposed("ha-part", "idle", s -> {});
    awaitReadyEverywhere("ha-part", "idle", 1);
    Flycast partitioned = followers().get(0);
    double before = refusedStops(leader());
    partitioned.admin().close(); // its load reports stop; its presence Lease goes on
    await().atMost(WAIT).until(() -> refusedStops(leader()) > before);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace("ha-part").list().getItems())
                    .anyMatch(
                        e ->
                            ("AutostopRefused".equals(e.getReason())
                                    && e.getMessage().contains("not heard from"))
                                || ("AutostopRefused".equals(e.getReason())
                                    && e.getMessage().contains("no report"))));
    assertThat(deploymentReplicas("ha-part", "idle"))
        .as("idle, but not provably: kept")
        .isEqualTo(1);
    assertThat(scaleWrites).doesNotContain("ha-part/idle");
  }
}
