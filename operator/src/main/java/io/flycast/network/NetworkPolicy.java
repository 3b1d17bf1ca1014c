package io.flycast.network;

import io.flycast.catalog.Route;
import io.flycast.catalog.RouteSpec;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Who may reach which route. Public routes: everyone. Private routes: clients in the route's
 * network, and trusted sources ({@code --trusted-cidrs}: node addresses, the developer's own
 * machine). Pure and thread-safe; the proxy and the DNS responder ask it on event loops.
 *
 * <p>A {@code fly-replay} with {@code app=} may only move a request between routes of one network
 * ({@link #mayReplay}); the client's own access is not asked again, as on Fly, where a replay may
 * target an app without a public address.
 */
public final class NetworkPolicy {
  /** No isolation: every client reaches every route (proxies and tests built without a policy). */
  public static final NetworkPolicy OPEN = new NetworkPolicy(null, List.of());

  private final ClientNetworks clients;
  private final List<Cidr> trusted;

  /**
   * @param clients which networks a source address is in
   * @param trusted sources that reach every private route
   */
  public NetworkPolicy(ClientNetworks clients, List<Cidr> trusted) {
    this.clients = clients;
    this.trusted = List.copyOf(trusted);
  }

  /** Whether {@code client} may reach {@code route}, and if not, why. */
  public Access decide(InetAddress client, RouteSpec route) {
    if (clients == null || !route.isPrivate() || isTrusted(client)) {
      return Access.ALLOWED;
    }
    var networks = clients.networksOf(Cidr.unmapped(client));
    if (networks.isEmpty()) {
      return Access.UNKNOWN_CLIENT;
    }
    return networks.contains(route.network()) ? Access.ALLOWED : Access.OTHER_NETWORK;
  }

  /** {@link #decide} as a yes or no; the shape of {@code DnsVisibility}. */
  public boolean allows(InetAddress client, Route route) {
    return decide(client, route.spec()).allowed();
  }

  /**
   * Whether DNS names {@code route} to {@code client}: as {@link #allows}, and everything to the
   * cluster resolver, which asks for all pods (hiding names is tidiness, the proxy is the fence).
   */
  public boolean visibleInDns(InetAddress client, Route route) {
    return allows(client, route) || clients.isClusterResolver(Cidr.unmapped(client));
  }

  /** Whether {@code client} falls in a trusted block. */
  public boolean isTrusted(InetAddress client) {
    for (Cidr c : trusted) {
      if (c.contains(client)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a request may be replayed from one route to another: only within one network, so a
   * backend cannot use its proxy to reach into networks its own clients could not.
   */
  public boolean mayReplay(RouteSpec from, RouteSpec to) {
    return clients == null || Objects.equals(from.network(), to.network());
  }
}
