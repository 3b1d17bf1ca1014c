package io.flycast.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.balance.LoadTracker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's view of every replica's load: sums, latest activity, what it does not know, and
 * cordons that count only once every replica has applied them. Reports are fed in directly; the
 * HTTP transport is tested end to end in {@code io.flycast.autoscale.HaAutoscaleIT}.
 */
class ClusterLoadTest {
  private static final RouteKey ROUTE = new RouteKey("shop", "web");

  private final LoadTracker localTracker = new LoadTracker();
  private final Map<String, URI> peers = new ConcurrentHashMap<>();
  private boolean leading = true;
  private ClusterCordons cordons;
  private PeerPoller poller;
  private ClusterLoad load;

  @BeforeEach
  void setUp() {
    cordons = new ClusterCordons("leader", ProxyLoad.cordons(localTracker));
    poller =
        new PeerPoller(
            () -> peers,
            () -> "t",
            cordons::current,
            () -> leading,
            r -> {},
            new PrometheusRegistry());
    cordons.poller(poller);
    load = new ClusterLoad(ProxyLoad.view(localTracker), poller);
    poller.poll(); // leads from now, with no peers yet
  }

  private static LoadReport report(
      String replica, String boot, int inFlight, long idleMillis, int held, String cordons) {
    return new LoadReport(
        replica,
        boot,
        List.of(new LoadReport.Backend(ROUTE.toString(), "pod-a", inFlight, idleMillis)),
        held > 0 ? Map.of(ROUTE.toString(), held) : Map.of(),
        List.of(),
        cordons);
  }

  @Test
  void inFlightWorkIsSummedOverReplicasThatWereHeardFromLately() {
    Lease lease =
        localTracker.tryAcquire(
            ROUTE,
            new Backend("pod-a", InetAddress.getLoopbackAddress(), "z", true, true, false),
            10);
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    peers.put("c", URI.create("http://127.0.0.1:1/"));
    long now = System.nanoTime();
    poller.received("b", report("b", "1", 2, -1, 0, null), now);
    poller.received(
        "c", report("c", "1", 5, -1, 0, null), now - TimeUnit.SECONDS.toNanos(10)); // stale
    assertThat(load.load(ROUTE, "pod-a"))
        .as("local 1 + b's 2; c's report is too old to count")
        .isEqualTo(3);
    lease.release();
  }

  @Test
  void aBackendIsLastActiveWhenItWasLastActiveAnywhere() {
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    long now = System.nanoTime();
    poller.received("b", report("b", "1", 0, 2_000, 0, null), now);
    long seen = load.lastActiveNanos(ROUTE, "pod-a");
    assertThat(now - seen)
        .isBetween(TimeUnit.MILLISECONDS.toNanos(1_999), TimeUnit.MILLISECONDS.toNanos(2_001));
  }

  @Test
  void requestsHeldElsewhereAreCounted() {
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    poller.received("b", report("b", "1", 0, -1, 4, null));
    assertThat(load.heldElsewhere(ROUTE)).isEqualTo(4);
  }

  @Test
  void whatIsNotKnownForTheWholeIntervalIsSaid() {
    long intervalStart = System.nanoTime();
    assertThat(load.unknownSince(intervalStart - TimeUnit.SECONDS.toNanos(60)))
        .as("a new leader first collects an interval of reports")
        .contains("led for less");
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    assertThat(load.unknownSince(intervalStart)).contains("no report from b");
    long now = System.nanoTime();
    poller.received("b", report("b", "1", 0, -1, 0, null), now);
    assertThat(load.unknownSince(intervalStart))
        .as("reports only since after the interval began")
        .contains("reports from b only for the last");
    assertThat(load.unknownSince(now)).isNull();
    poller.received("b", report("b", "2", 0, -1, 0, null), System.nanoTime());
    assertThat(load.unknownSince(now))
        .as("b restarted: its history starts again")
        .contains("reports from b only");
    poller.received(
        "b", report("b", "2", 0, -1, 0, null), System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
    assertThat(load.unknownSince(now)).contains("b not heard from");
  }

  @Test
  void aCordonIsEverywhereOnlyOnceEveryReplicaAppliedIt() {
    LoadTracker peerTracker = new LoadTracker();
    ReplicaLoad peer = new ReplicaLoad("b", peerTracker, Map::of, List::of, Duration.ofMillis(200));
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    cordons.cordon(ROUTE, "pod-a");
    assertThat(localTracker.isCordoned(ROUTE, "pod-a")).isTrue();
    assertThat(cordons.everywhere(ROUTE, "pod-a"))
        .as("b has not answered a poll carrying it")
        .isFalse();
    poller.received("b", peer.report(null));
    assertThat(cordons.everywhere(ROUTE, "pod-a")).isFalse();
    // The next poll carries the set: b applies it to its proxy and says so.
    poller.received("b", peer.report(cordons.current()));
    assertThat(peerTracker.isCordoned(ROUTE, "pod-a")).isTrue();
    assertThat(cordons.everywhere(ROUTE, "pod-a")).isTrue();
    // Let go: the next poll lifts it on b.
    cordons.uncordon(ROUTE, "pod-a");
    peer.report(cordons.current());
    assertThat(peerTracker.isCordoned(ROUTE, "pod-a")).isFalse();
  }

  @Test
  void aReplicaLetsGoOfCordonsNoPollRefreshes() throws Exception {
    LoadTracker peerTracker = new LoadTracker();
    ReplicaLoad peer = new ReplicaLoad("b", peerTracker, Map::of, List::of, Duration.ofMillis(100));
    cordons.cordon(ROUTE, "pod-a");
    peer.report(cordons.current());
    peer.expire();
    assertThat(peerTracker.isCordoned(ROUTE, "pod-a")).as("fresh").isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              peer.expire();
              return !peerTracker.isCordoned(ROUTE, "pod-a");
            });
  }

  @Test
  void aCordonSetFromAnotherLeaderOrProcessIsNotAnAcknowledgement() {
    ReplicaLoad peer =
        new ReplicaLoad("b", new LoadTracker(), Map::of, List::of, Duration.ofSeconds(10));
    peers.put("b", URI.create("http://127.0.0.1:1/"));
    ClusterCordons former = new ClusterCordons("leader", ProxyLoad.cordons(new LoadTracker()));
    for (int i = 0; i < 5; i++) {
      former.cordon(ROUTE, "pod-" + i);
    }
    poller.received(
        "b", peer.report(former.current())); // a former leader of the same name, version 5
    cordons.cordon(ROUTE, "pod-a"); // version 1 of this process
    assertThat(cordons.everywhere(ROUTE, "pod-a")).isFalse();
  }

  @Test
  void reportsTravelAsJson() throws Exception {
    LoadReport r = report("b", "boot", 3, 1500, 2, "leader#1@4");
    assertThat(PeerJson.report(PeerJson.report(r))).isEqualTo(r);
    CordonSet set = new CordonSet("leader#1", 4, java.util.Set.of("shop/web/pod-a"));
    assertThat(PeerJson.cordonHeader(PeerJson.cordonHeader(set))).isEqualTo(set);
    assertThat(PeerJson.cordonHeader("not base64 json!")).isNull();
  }
}
