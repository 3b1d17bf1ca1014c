package io.flycast.control;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.flycast.catalog.Backend;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a Service's EndpointSlices into backends, with EndpointSlice condition semantics. */
public final class EndpointSliceTranslator {
  private EndpointSliceTranslator() {}

  /** Zone used when an endpoint names none (single-zone clusters, the embedded runtime). */
  public static final String DEFAULT_ZONE = "local";

  public static List<Backend> backends(Collection<EndpointSlice> slices) {
    // The same endpoint may appear in two slices during a slice rotation; keep one per address.
    Map<InetAddress, Backend> byAddress = new LinkedHashMap<>();
    for (EndpointSlice slice : slices) {
      if (slice.getEndpoints() == null) {
        continue;
      }
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
        boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
        boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
        String name = e.getTargetRef() != null && e.getTargetRef().getName() != null
            ? e.getTargetRef().getName() : addr.getHostAddress();
        String zone = e.getZone() == null || e.getZone().isBlank() ? DEFAULT_ZONE : e.getZone();
        byAddress.putIfAbsent(addr, new Backend(name, addr, zone, ready, serving, terminating));
      }
    }
    List<Backend> out = new ArrayList<>(byAddress.values());
    out.sort(Comparator.comparing(Backend::name));
    return out;
  }

  /** Parses an IP literal without ever doing a DNS lookup. */
  static InetAddress literal(String text) {
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
