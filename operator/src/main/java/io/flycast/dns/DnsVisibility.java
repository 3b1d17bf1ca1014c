package io.flycast.dns;

import io.flycast.catalog.Route;
import java.net.InetAddress;

/**
 * Decides whether a DNS client may see a route. A route a client may not see is answered as if it
 * did not exist (NXDOMAIN, left out of {@code _apps.internal}), so names do not leak across
 * networks.
 *
 * <p>The hook exists for network isolation (private networks per route): the responder itself has
 * no policy and allows everything by default.
 */
@FunctionalInterface
public interface DnsVisibility {
  /** Everyone sees every route. */
  DnsVisibility ALLOW_ALL = (client, route) -> true;

  /**
   * @param client the address the query came from
   * @param route a route of the current catalog snapshot
   * @return whether {@code client} may resolve names of {@code route}
   */
  boolean isVisible(InetAddress client, Route route);
}
