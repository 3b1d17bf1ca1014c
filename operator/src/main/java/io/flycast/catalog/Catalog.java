package io.flycast.catalog;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * One immutable snapshot of the routing table.
 *
 * <p>Built on persistent maps, so the next snapshot shares all but the changed entries with this
 * one: an update costs O(log n) in the number of routes, not a copy of the table. Lookups are plain
 * reads of immutable structures and never block.
 */
public final class Catalog {
  /** The empty catalog, version 0. */
  public static final Catalog EMPTY =
      new Catalog(0, HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty());

  private final long version;
  private final PMap<RouteKey, Route> routes;
  private final PMap<InetAddress, List<RouteKey>> byAddress;
  private final PMap<String, List<RouteKey>> byHostname;

  Catalog(
      long version,
      PMap<RouteKey, Route> routes,
      PMap<InetAddress, List<RouteKey>> byAddress,
      PMap<String, List<RouteKey>> byHostname) {
    this.version = version;
    this.routes = routes;
    this.byAddress = byAddress;
    this.byHostname = byHostname;
  }

  /** Monotonic version of this snapshot; every publish increments it. */
  public long version() {
    return version;
  }

  /** The route with this key, or {@code null}. */
  public Route route(RouteKey key) {
    return routes.get(key);
  }

  /** The route owning a Flycast address, or {@code null}. */
  public Route routeByAddress(InetAddress address) {
    return owner(byAddress.get(address));
  }

  /**
   * The route for a Host header or TLS SNI name, or {@code null}. Case-insensitive; a trailing dot
   * and a {@code :port} suffix are ignored.
   */
  public Route routeByHostname(String host) {
    if (host == null) {
      return null;
    }
    return owner(byHostname.get(normalizeHost(host)));
  }

  /** All routes, in no particular order. */
  public Collection<Route> routes() {
    return routes.values();
  }

  public int size() {
    return routes.size();
  }

  PMap<RouteKey, Route> routeMap() {
    return routes;
  }

  /**
   * An address or hostname is owned by its first claimant; later claimants wait in line and take
   * over if the owner lets go (a contested name is logged when claimed).
   */
  private Route owner(List<RouteKey> claimants) {
    return claimants == null ? null : routes.get(claimants.get(0));
  }

  PMap<InetAddress, List<RouteKey>> addressIndex() {
    return byAddress;
  }

  PMap<String, List<RouteKey>> hostnameIndex() {
    return byHostname;
  }

  /** Lower-cases a host name and strips a {@code :port} suffix and a trailing dot. */
  static String normalizeHost(String host) {
    String h = host.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end > 0 ? h.substring(1, end) : h;
    } else {
      int colon = h.indexOf(':');
      if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
        h = h.substring(0, colon);
      }
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.toLowerCase(Locale.ROOT);
  }
}
