package io.flycast.dns;

import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** A small routing table shared by the DNS tests. */
final class DnsTestCatalog {
  static final RouteKey WEB = new RouteKey("default", "web");
  static final RouteKey API = new RouteKey("prod", "api");
  static final RouteKey DB = new RouteKey("default", "db");
  static final RouteKey BIG = new RouteKey("default", "big");

  private DnsTestCatalog() {}

  /**
   * web.default (fdaa::1): ready backends web-a1 10.0.0.1 zone-a, web-b1 10.0.1.1 zone-b, web-a2
   * fd00::a2 zone-a, web-c1 10.0.2.1 zone-c; not ready web-b2, terminating web-a3. api.prod (IPv4
   * 10.96.0.10) without backends. db.default (fdaa::3) private, one backend.
   */
  static CatalogStore store() {
    CatalogStore store = new CatalogStore();
    store.putSpec(spec(WEB, "fdaa::1", false));
    store.putBackends(
        WEB,
        List.of(
            backend("web-a1", "10.0.0.1", "zone-a", true, false),
            backend("web-b1", "10.0.1.1", "zone-b", true, false),
            backend("web-b2", "10.0.1.2", "zone-b", false, false),
            backend("web-a2", "fd00::a2", "zone-a", true, false),
            backend("web-a3", "10.0.0.3", "zone-a", true, true),
            backend("web-c1", "10.0.2.1", "zone-c", true, false)));
    store.putSpec(spec(API, "10.96.0.10", false));
    store.putSpec(spec(DB, "fdaa::3", true));
    store.putBackends(DB, List.of(backend("db-0", "10.0.3.1", "zone-a", true, false)));
    return store;
  }

  /** Adds big.default (fdaa::4) with {@code n} ready IPv6 backends: too many for one UDP answer. */
  static void addBig(CatalogStore store, int n) {
    store.putSpec(spec(BIG, "fdaa::4", false));
    List<Backend> bs = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      bs.add(backend("big-" + i, "fd00::b:" + Integer.toHexString(i), "zone-a", true, false));
    }
    store.putBackends(BIG, bs);
  }

  static RouteSpec spec(RouteKey key, String address, boolean isPrivate) {
    return RouteSpec.builder(key, ip(address))
        .ports(List.of(PortSpec.tcp(80, 8080)))
        .isPrivate(isPrivate)
        .network("default")
        .build();
  }

  static Backend backend(
      String name, String address, String zone, boolean ready, boolean terminating) {
    return new Backend(name, ip(address), zone, ready, ready || terminating, terminating);
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
