package io.flycast.dns;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.dns.DnsAnswer.Address;
import io.flycast.dns.DnsAnswer.Text;
import io.flycast.dns.DnsNames.DnsName;
import io.netty.handler.codec.dns.DnsRecordType;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Answers one DNS question from one catalog snapshot. Pure logic, no I/O, never blocks: the
 * snapshot is an immutable value read with a single volatile read.
 *
 * <p>Rules: a name that is not under {@code flycast.} or {@code internal.} is REFUSED (this is not
 * a recursive resolver); an unknown name inside them is NXDOMAIN; a known name asked for a type it
 * has no records of is NOERROR with no answers (NODATA, RFC 2308 §2.2). Negative answers carry no
 * SOA, so resolvers do not cache them (RFC 2308 §5): a service created a second later resolves at
 * once.
 */
public final class FlycastDnsResolver {
  /**
   * TTL of {@code .internal} answers. Backends come and go with pods (rollouts, autostop); a short
   * TTL bounds how long a client keeps dialing a gone pod, while still absorbing bursts of lookups.
   * Fly uses the same order of magnitude for {@code .internal}.
   */
  static final long INTERNAL_TTL_SECONDS = 5;

  /**
   * TTL of {@code .flycast} answers. A Flycast address is allocated once and kept for the life of
   * the service, so it can be cached longer; 30s still lets a deleted and re-created service be
   * picked up quickly.
   */
  static final long FLYCAST_TTL_SECONDS = 30;

  private final Supplier<Catalog> catalog;
  private final String localZone;
  private final DnsVisibility visibility;

  /**
   * @param catalog the current snapshot, read once per question (e.g. {@code store::current})
   * @param localZone this server's zone, preferred by {@code top<N>.nearest.of}; may be null
   * @param visibility which routes a client may see
   */
  public FlycastDnsResolver(Supplier<Catalog> catalog, String localZone, DnsVisibility visibility) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.localZone = localZone == null ? "" : localZone.toLowerCase(Locale.ROOT);
    this.visibility = Objects.requireNonNull(visibility, "visibility");
  }

  /**
   * Answers one question of class IN.
   *
   * @param qname the name as asked (any case, trailing dot optional)
   * @param qtype the asked type
   * @param client the querying address, for {@link DnsVisibility}
   */
  public DnsAnswer resolve(String qname, DnsRecordType qtype, InetAddress client) {
    Catalog cat = catalog.get();
    DnsName name = DnsNames.parse(qname);
    return switch (name) {
      case DnsNames.Outside o -> DnsAnswer.REFUSED;
      case DnsNames.FlycastService s -> {
        Route r = visibleRoute(cat, s.key(), client);
        yield r == null
            ? DnsAnswer.NXDOMAIN
            : addresses(List.of(r.spec().address()), qtype, FLYCAST_TTL_SECONDS);
      }
      case DnsNames.InternalService s -> {
        Route r = visibleRoute(cat, s.key(), client);
        yield r == null
            ? DnsAnswer.NXDOMAIN
            : addresses(readyAddresses(r, b -> true), qtype, INTERNAL_TTL_SECONDS);
      }
      case DnsNames.InternalZone z -> {
        Route r = visibleRoute(cat, z.key(), client);
        yield r == null
            ? DnsAnswer.NXDOMAIN
            : addresses(
                readyAddresses(r, b -> z.zone().equals(zoneOf(b))), qtype, INTERNAL_TTL_SECONDS);
      }
      case DnsNames.InternalNearest n -> {
        Route r = visibleRoute(cat, n.key(), client);
        yield r == null ? DnsAnswer.NXDOMAIN : nearest(r, n.n(), qtype);
      }
      case DnsNames.InternalVms v -> {
        Route r = visibleRoute(cat, v.key(), client);
        yield r == null ? DnsAnswer.NXDOMAIN : isTxt(qtype) ? vms(r) : DnsAnswer.NODATA;
      }
      case DnsNames.InternalApps a -> isTxt(qtype) ? apps(cat, client) : DnsAnswer.NODATA;
      case DnsNames.Other o ->
          isEmptyNonTerminal(cat, o, client) ? DnsAnswer.NODATA : DnsAnswer.NXDOMAIN;
    };
  }

  private Route visibleRoute(Catalog cat, RouteKey key, InetAddress client) {
    Route r = cat.route(key);
    return r != null && visibility.isVisible(client, r) ? r : null;
  }

  /** Addresses of the backends that take new work and pass {@code filter}, in catalog order. */
  private static List<InetAddress> readyAddresses(Route r, Predicate<Backend> filter) {
    return r.backends().stream()
        .filter(Backend::acceptsNewWork)
        .filter(filter)
        .map(Backend::address)
        .toList();
  }

  /** The records of the asked type among {@code addrs}: A for IPv4, AAAA for IPv6, ANY both. */
  private static DnsAnswer addresses(List<InetAddress> addrs, DnsRecordType qtype, long ttl) {
    return DnsAnswer.of(
        addrs.stream().filter(a -> matchesType(a, qtype)).map(a -> new Address(a, ttl)).toList());
  }

  private static boolean matchesType(InetAddress a, DnsRecordType qtype) {
    if (qtype.equals(DnsRecordType.ANY)) {
      return a != null; // a backend without an address yet has nothing to answer
    }
    return a instanceof Inet4Address
        ? qtype.equals(DnsRecordType.A)
        : a instanceof Inet6Address && qtype.equals(DnsRecordType.AAAA);
  }

  /**
   * The {@code n} nearest ready backends of the asked family: this server's zone first, then the
   * other zones by name (there is no latency map yet), catalog order within a zone. The family is
   * filtered before counting, so the client gets up to {@code n} addresses it can use.
   */
  private DnsAnswer nearest(Route r, int n, DnsRecordType qtype) {
    Comparator<Backend> byDistance =
        Comparator.<Backend>comparingInt(
                b -> zoneOf(b).equals(localZone) && !localZone.isEmpty() ? 0 : 1)
            .thenComparing(FlycastDnsResolver::zoneOf);
    List<Address> out =
        r.backends().stream()
            .filter(Backend::acceptsNewWork)
            .filter(b -> matchesType(b.address(), qtype))
            .sorted(byDistance) // stable: catalog order within a zone
            .limit(n)
            .map(b -> new Address(b.address(), INTERNAL_TTL_SECONDS))
            .toList();
    return DnsAnswer.of(out);
  }

  /** Fly's {@code vms.<app>.internal}: one TXT, comma-separated {@code <instance> <region>}. */
  private static DnsAnswer vms(Route r) {
    String text =
        r.backends().stream()
            .filter(Backend::acceptsNewWork)
            .map(
                b ->
                    b.name()
                        + " "
                        + (b.zone() == null || b.zone().isEmpty() ? "unknown" : b.zone()))
            .collect(Collectors.joining(","));
    return text.isEmpty()
        ? DnsAnswer.NODATA
        : DnsAnswer.of(List.of(new Text(text, INTERNAL_TTL_SECONDS)));
  }

  /**
   * Fly's {@code _apps.internal}: one TXT, comma-separated {@code <name>.<namespace>}, sorted as
   * text.
   */
  private DnsAnswer apps(Catalog cat, InetAddress client) {
    String text =
        cat.routes().stream()
            .filter(r -> visibility.isVisible(client, r))
            .map(Route::key)
            .map(k -> k.name() + "." + k.namespace())
            .sorted()
            .collect(Collectors.joining(","));
    return text.isEmpty()
        ? DnsAnswer.NODATA
        : DnsAnswer.of(List.of(new Text(text, INTERNAL_TTL_SECONDS)));
  }

  /**
   * Whether a name with no records of its own has names below it: the zone apex, a namespace with a
   * visible route ({@code <ns>.flycast}, {@code <ns>.internal}) and {@code
   * nearest.of.<name>.<ns>.internal}. ({@code of.<name>.<ns>.internal} parses as a zone name and is
   * NODATA anyway.)
   */
  private boolean isEmptyNonTerminal(Catalog cat, DnsNames.Other o, InetAddress client) {
    List<String> l = o.labels();
    if (l.isEmpty()) {
      return true;
    }
    if (l.size() == 1) {
      String ns = l.get(0);
      return cat.routes().stream()
          .anyMatch(r -> r.key().namespace().equals(ns) && visibility.isVisible(client, r));
    }
    if (o.zone().equals(DnsNames.INTERNAL_ZONE)
        && l.size() == 4
        && l.get(0).equals("nearest")
        && l.get(1).equals("of")) {
      return visibleRoute(cat, new RouteKey(l.get(3), l.get(2)), client) != null;
    }
    return false;
  }

  private static boolean isTxt(DnsRecordType qtype) {
    return qtype.equals(DnsRecordType.TXT) || qtype.equals(DnsRecordType.ANY);
  }

  private static String zoneOf(Backend b) {
    return b.zone() == null ? "" : b.zone().toLowerCase(Locale.ROOT);
  }
}
