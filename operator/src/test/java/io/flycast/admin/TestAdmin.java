package io.flycast.admin;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/** An admin server on an ephemeral port with a catalog that has something to hide. */
final class TestAdmin {
  /** What /debug/catalog shows: a private route and its backend's pod IP. */
  static final String CATALOG =
      "{\"routes\":[{\"name\":\"db\",\"private\":true,\"backends\":[\"10.244.1.7\"]}]}";

  static final String METRIC = "flycast_test_requests_total";

  final AtomicBoolean ready = new AtomicBoolean(true);

  /** The routes purged through the admin port; only shop/web has a cache. */
  final java.util.List<String> purged = new java.util.concurrent.CopyOnWriteArrayList<>();

  final PrometheusRegistry registry = new PrometheusRegistry();

  TestAdmin() {
    Counter.builder().name(METRIC).help("requests, for the test").register(registry).inc();
  }

  AdminServer start(InetAddress bind, AdminAccess access, AdminLimits limits) {
    try {
      AdminEndpoints endpoints =
          new AdminEndpoints(Readiness.when(ready::get), registry, () -> CATALOG)
              .cachePurge(
                  route -> {
                    purged.add(route);
                    return route.equals("shop/web");
                  });
      return new AdminServer(new InetSocketAddress(bind, 0), endpoints, access, limits).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  AdminServer startOnLoopback(AdminAccess access, AdminLimits limits) {
    return start(InetAddress.getLoopbackAddress(), access, limits);
  }

  AdminServer startOnLoopback() {
    return startOnLoopback(AdminAccess.loopbackOnly(), AdminLimits.DEFAULT);
  }
}
