package io.flycast.peers;

import io.flycast.autoscale.LoadView;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every replica's load together, as the leader knows it: its own proxy's, plus the last report of
 * each other replica. In-flight work is summed; a backend's last activity is the latest anywhere.
 * {@link #unknownSince} tells autostop when this cannot be trusted.
 */
public final class ClusterLoad implements LoadView {
  private final LoadView local;
  private final PeerPoller poller;

  /**
   * @param local this replica's own proxy
   */
  public ClusterLoad(LoadView local, PeerPoller poller) {
    this.local = local;
    this.poller = poller;
  }

  @Override
  public int load(RouteKey route, String backend) {
    int sum = local.load(route, backend);
    long now = System.nanoTime();
    String key = CordonSet.key(route, backend);
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      if (s != null && s.fresh(now)) {
        LoadReport.Backend b = s.byKey().get(key);
        sum += b == null ? 0 : b.inFlight();
      }
    }
    return sum;
  }

  @Override
  public long lastActiveNanos(RouteKey route, String backend) {
    long latest = local.lastActiveNanos(route, backend);
    String key = CordonSet.key(route, backend);
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      LoadReport.Backend b = s == null ? null : s.byKey().get(key);
      if (b != null && b.idleMillis() >= 0) {
        // The peer's idle time, on the leader's clock: counted back from when its report arrived.
        long at = s.lastNanos() - TimeUnit.MILLISECONDS.toNanos(b.idleMillis());
        if (latest == 0 || at - latest > 0) {
          latest = at;
        }
      }
    }
    return latest;
  }

  @Override
  public int heldElsewhere(RouteKey route) {
    int sum = 0;
    long now = System.nanoTime();
    String name = route.toString();
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      if (s != null && s.fresh(now)) {
        sum += s.report().held().getOrDefault(name, 0);
      }
    }
    return sum;
  }

  @Override
  public String unknownSince(long sinceNanos) {
    long now = System.nanoTime();
    long leading = poller.leadingSinceNanos();
    if (leading == 0 || leading - sinceNanos > 0) {
      return "this replica has led for less than that: a new leader first collects every replica's"
          + " reports";
    }
    List<String> why = new ArrayList<>();
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      if (s == null) {
        why.add("no report from " + peer);
      } else if (!s.fresh(now)) {
        why.add(peer + " not heard from for " + seconds(now - s.lastNanos()));
      } else if (s.sinceNanos() - sinceNanos > 0) {
        why.add("reports from " + peer + " only for the last " + seconds(now - s.sinceNanos()));
      }
    }
    return why.isEmpty() ? null : String.join("; ", why);
  }

  @Override
  public String whose() {
    long now = System.nanoTime();
    StringBuilder sb = new StringBuilder("this replica");
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      sb.append(", ")
          .append(peer)
          .append(
              s == null
                  ? " (no report)"
                  : " (report " + Duration.ofNanos(now - s.lastNanos()).toMillis() + " ms old)");
    }
    return sb.toString();
  }

  private static String seconds(long nanos) {
    return Duration.ofNanos(nanos).toSeconds() + "s";
  }
}
