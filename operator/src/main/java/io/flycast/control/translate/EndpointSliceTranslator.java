package io.flycast.control.translate;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.flycast.catalog.Backend;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a Service's EndpointSlices into backends, with EndpointSlice condition semantics.
 *
 * <p>One pod is one backend. A dual-stack Service has an IPv4 and an IPv6 slice listing the same
 * pods; each pod (its {@code targetRef}) becomes one backend, at the address of the preferred
 * family: the Service's primary family ({@code spec.ipFamilies[0]}, the family of its ClusterIP and
 * of in-cluster clients), IPv4 when that is unknown. A pod only one family's slice lists yet keeps
 * that address. Counting a pod once matters beyond balancing: autostop counts backends.
 *
 * <p>Each backend carries the ports its own slice lists, by Service port name: a named {@code
 * targetPort} resolves per pod, and the slice controller groups pods by what their ports resolved
 * to.
 */
public final class EndpointSliceTranslator {
  private EndpointSliceTranslator() {}

  /** Zone used when an endpoint names none (single-zone clusters, the embedded runtime). */
  public static final String DEFAULT_ZONE = "local";

  /** {@code spec.ipFamilies} values. */
  public static final String IPV4 = "IPv4";

  public static final String IPV6 = "IPv6";

  /** Backends preferring IPv4 addresses for dual-stack pods. */
  public static List<Backend> backends(Collection<EndpointSlice> slices) {
    return backends(slices, IPV4);
  }

  /**
   * @param preferredFamily {@code IPv4} or {@code IPv6}: the address a pod listed in slices of both
   *     families gets (the Service's {@code spec.ipFamilies[0]}); anything else means IPv4
   */
  public static List<Backend> backends(Collection<EndpointSlice> slices, String preferredFamily) {
    boolean preferV6 = IPV6.equals(preferredFamily);
    // Keyed by pod (targetRef), else by address: the same endpoint may appear in two slices
    // during a slice rotation, and a dual-stack pod appears once per family.
    Map<String, Backend> byPod = new LinkedHashMap<>();
    for (EndpointSlice slice : slices) {
      if (slice.getEndpoints() == null) {
        continue;
      }
      Map<String, Integer> ports = ports(slice);
      for (Endpoint e : slice.getEndpoints()) {
        if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        InetAddress addr = literal(e.getAddresses().get(0));
        if (addr == null) {
          continue;
        }
        var c = e.getConditions();
        // Per the EndpointSlice API, a nil ready condition means ready, nil serving follows ready.
        boolean ready = c == null || c.getReady() == null || c.getReady();
        boolean serving = (c == null || c.getServing() == null) ? ready : c.getServing();
        boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
        var ref = e.getTargetRef();
        boolean hasRef = ref != null && ref.getName() != null;
        String name = hasRef ? ref.getName() : addr.getHostAddress();
        String key =
            hasRef ? "ref/" + ref.getKind() + "/" + ref.getName() : "ip/" + addr.getHostAddress();
        String zone = e.getZone() == null || e.getZone().isBlank() ? DEFAULT_ZONE : e.getZone();
        Backend b = new Backend(name, addr, zone, ready, serving, terminating, ports);
        Backend had = byPod.putIfAbsent(key, b);
        if (had != null && preferred(addr, preferV6) && !preferred(had.address(), preferV6)) {
          byPod.put(key, b);
        }
      }
    }
    List<Backend> out = new ArrayList<>(byPod.values());
    out.sort(Comparator.comparing(Backend::name));
    return out;
  }

  /** The preferred family of a Service: its first {@code spec.ipFamilies}, else IPv4. */
  public static String preferredFamily(io.fabric8.kubernetes.api.model.Service svc) {
    var families = svc == null || svc.getSpec() == null ? null : svc.getSpec().getIpFamilies();
    return families == null || families.isEmpty() || !IPV6.equals(families.get(0)) ? IPV4 : IPV6;
  }

  private static boolean preferred(InetAddress a, boolean preferV6) {
    return preferV6 ? a instanceof Inet6Address : a instanceof Inet4Address;
  }

  /**
   * A slice's TCP ports by name (an unnamed port is {@code ""}). Every endpoint of a slice has
   * these ports: the slice controller puts pods whose ports resolve differently in different
   * slices.
   */
  static Map<String, Integer> ports(EndpointSlice slice) {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (slice.getPorts() == null) {
      return out;
    }
    for (EndpointPort p : slice.getPorts()) {
      if (p == null
          || p.getPort() == null
          || (p.getProtocol() != null && !"TCP".equalsIgnoreCase(p.getProtocol()))) {
        continue;
      }
      out.putIfAbsent(p.getName() == null ? "" : p.getName(), p.getPort());
    }
    return out;
  }

  /** Parses an IP literal without ever doing a DNS lookup. */
  public static InetAddress literal(String text) {
    var a = new inet.ipaddr.IPAddressString(text).getAddress();
    if (a == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(a.getBytes());
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
