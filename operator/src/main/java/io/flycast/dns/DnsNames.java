package io.flycast.dns;

import io.flycast.catalog.RouteKey;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses query names into the forms the responder answers. Pure string work: whether the route
 * exists is the resolver's business.
 *
 * <p>Names are case-insensitive (RFC 4343) and may end with the root's dot. The forms are:
 *
 * <ul>
 *   <li>{@code <name>.<namespace>.flycast}: the route's Flycast address
 *   <li>{@code <name>.<namespace>.internal}: the route's ready backends
 *   <li>{@code vms.<name>.<namespace>.internal}: TXT list of the backends (so {@code vms} is not
 *       usable as a zone name, as on Fly)
 *   <li>{@code <zone>.<name>.<namespace>.internal}: ready backends in one zone
 *   <li>{@code top<N>.nearest.of.<name>.<namespace>.internal}: the N nearest ready backends
 *   <li>{@code _apps.internal}: TXT list of the routes
 * </ul>
 */
final class DnsNames {
  /** The zone of Flycast (service) addresses. */
  static final String FLYCAST_ZONE = "flycast";

  /** The zone of backend (instance) addresses, as Fly's {@code .internal}. */
  static final String INTERNAL_ZONE = "internal";

  /** Label of the TXT name listing a route's backends ({@code vms.<app>.internal} on Fly). */
  static final String VMS_LABEL = "vms";

  /** The TXT name listing all routes ({@code _apps.internal} on Fly). */
  static final String APPS_LABEL = "_apps";

  /** Up to 4 digits keeps N an int; N = 0 would be an empty name, so it does not parse. */
  private static final Pattern TOP_N = Pattern.compile("top([1-9][0-9]{0,3})");

  private DnsNames() {}

  /** A parsed query name. */
  sealed interface DnsName {}

  /** Outside the zones this server answers for: REFUSED. */
  record Outside() implements DnsName {}

  /** {@code <name>.<namespace>.flycast}. */
  record FlycastService(RouteKey key) implements DnsName {}

  /** {@code <name>.<namespace>.internal}. */
  record InternalService(RouteKey key) implements DnsName {}

  /** {@code <zone>.<name>.<namespace>.internal}; {@code zone} is lower case. */
  record InternalZone(String zone, RouteKey key) implements DnsName {}

  /** {@code top<n>.nearest.of.<name>.<namespace>.internal}. */
  record InternalNearest(int n, RouteKey key) implements DnsName {}

  /** {@code vms.<name>.<namespace>.internal}. */
  record InternalVms(RouteKey key) implements DnsName {}

  /** {@code _apps.internal}. */
  record InternalApps() implements DnsName {}

  /**
   * Any other name inside one of our zones: NXDOMAIN unless it is an empty non-terminal (the zone
   * apex, a namespace, {@code nearest.of.<name>.<namespace>.internal}), which must be NOERROR so
   * that resolvers applying RFC 8020 do not conclude the names below it do not exist.
   *
   * @param zone {@link #FLYCAST_ZONE} or {@link #INTERNAL_ZONE}
   * @param labels the labels before the zone, lower case, leftmost first
   */
  record Other(String zone, List<String> labels) implements DnsName {
    Other {
      labels = List.copyOf(labels);
    }
  }

  /** Parses a query name (any case, with or without the trailing dot). */
  static DnsName parse(String qname) {
    String n = qname.toLowerCase(Locale.ROOT);
    if (n.endsWith(".")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.isEmpty()) {
      return new Outside();
    }
    String[] all = n.split("\\.", -1);
    String zone = all[all.length - 1];
    if (!zone.equals(FLYCAST_ZONE) && !zone.equals(INTERNAL_ZONE)) {
      return new Outside();
    }
    List<String> l = Arrays.asList(Arrays.copyOf(all, all.length - 1));
    if (l.contains("")) {
      // "a..b.flycast": no route has an empty label.
      return new Other(zone, l);
    }
    if (zone.equals(FLYCAST_ZONE)) {
      return l.size() == 2 ? new FlycastService(key(l, 0)) : new Other(zone, l);
    }
    switch (l.size()) {
      case 1 -> {
        if (l.get(0).equals(APPS_LABEL)) {
          return new InternalApps();
        }
      }
      case 2 -> {
        return new InternalService(key(l, 0));
      }
      case 3 -> {
        return l.get(0).equals(VMS_LABEL)
            ? new InternalVms(key(l, 1))
            : new InternalZone(l.get(0), key(l, 1));
      }
      case 5 -> {
        Matcher m = TOP_N.matcher(l.get(0));
        if (m.matches() && l.get(1).equals("nearest") && l.get(2).equals("of")) {
          return new InternalNearest(Integer.parseInt(m.group(1)), key(l, 3));
        }
      }
      default -> {}
    }
    return new Other(zone, l);
  }

  /** The route key of {@code <name>.<namespace>} starting at label {@code i}. */
  private static RouteKey key(List<String> labels, int i) {
    return new RouteKey(labels.get(i + 1), labels.get(i));
  }
}
