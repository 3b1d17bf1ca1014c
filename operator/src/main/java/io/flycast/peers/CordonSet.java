package io.flycast.peers;

import io.flycast.catalog.RouteKey;
import java.util.Set;

/**
 * The backends the leader has cordoned, as it sends them with each poll. A replica applies the
 * whole set (cordons what is new, lets go of what is gone) and answers with its {@link #id()}.
 *
 * @param leader the leader's identity
 * @param version grows with every change of the set
 * @param keys {@link #key} of each cordoned backend
 */
public record CordonSet(String leader, long version, Set<String> keys) {
  /** The header that carries it on a poll. */
  public static final String HEADER = "Fly-Peer-Cordons";

  public CordonSet {
    keys = Set.copyOf(keys);
  }

  /** Which set, by whom: what a replica acknowledges. */
  public String id() {
    return leader + "@" + version;
  }

  public static String key(RouteKey route, String backend) {
    return route.namespace() + "/" + route.name() + "/" + backend;
  }

  /** The route and backend of a {@link #key}; null when it is not one. */
  static String[] parts(String key) {
    String[] p = key.split("/", 3);
    return p.length == 3 ? p : null;
  }
}
