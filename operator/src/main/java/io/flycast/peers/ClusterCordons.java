package io.flycast.peers;

import io.flycast.autoscale.Cordons;
import io.flycast.catalog.RouteKey;
import java.util.HashMap;
import java.util.Map;

/**
 * The leader's cordons: on its own proxy at once, and on every other replica through the {@link
 * CordonSet} each poll carries. {@link #everywhere} is true once every live replica has answered a
 * poll that carried the cordon.
 */
public final class ClusterCordons implements Cordons {
  private final String self;
  private final Cordons local;
  private PeerPoller poller;

  /** Each cordoned backend's key, with the set version that first carried it. */
  private final Map<String, Long> since = new HashMap<>();

  private long version;

  /**
   * @param identity this replica's identity; the set is named after it and this process (a
   *     restarted leader of the same name starts its versions anew, and must not be taken for its
   *     former self)
   * @param local this replica's own proxy
   */
  public ClusterCordons(String identity, Cordons local) {
    this.self = identity + "#" + java.util.UUID.randomUUID().toString().substring(0, 8);
    this.local = local;
  }

  /** The poller whose reports say what each replica applied (set once, after both exist). */
  public void poller(PeerPoller poller) {
    this.poller = poller;
  }

  @Override
  public synchronized void cordon(RouteKey route, String backend) {
    local.cordon(route, backend);
    if (since.putIfAbsent(CordonSet.key(route, backend), version + 1) == null) {
      version++;
    }
  }

  @Override
  public synchronized void uncordon(RouteKey route, String backend) {
    local.uncordon(route, backend);
    if (since.remove(CordonSet.key(route, backend)) != null) {
      version++;
    }
  }

  /** The set to send with the next poll. */
  public synchronized CordonSet current() {
    return new CordonSet(self, version, since.keySet());
  }

  @Override
  public boolean everywhere(RouteKey route, String backend) {
    Long needed;
    synchronized (this) {
      needed = since.get(CordonSet.key(route, backend));
    }
    if (needed == null || poller == null) {
      return needed == null ? false : poller == null;
    }
    long now = System.nanoTime();
    for (String peer : poller.peersNow().keySet()) {
      PeerPoller.PeerState s = poller.state(peer);
      if (s == null || !s.fresh(now) || acknowledged(s.report().cordons()) < needed) {
        return false;
      }
    }
    return true;
  }

  /**
   * The version of this leader's set a replica says it applied; -1 for none or another leader's.
   */
  private long acknowledged(String id) {
    if (id == null || !id.startsWith(self + "@")) {
      return -1;
    }
    try {
      return Long.parseLong(id.substring(self.length() + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
