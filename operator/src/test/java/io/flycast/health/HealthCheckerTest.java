package io.flycast.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.proxy.balance.Balancer;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.balance.LoadTracker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The checker against real backends: HTTP servers and TCP ports on two loopback addresses. */
class HealthCheckerTest {
  private static final RouteKey KEY = new RouteKey("ns", "app");
  private static final InetAddress GOOD = ip("127.0.0.1");
  private static final InetAddress BAD = ip("127.0.0.2");

  private final CatalogStore store = new CatalogStore();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final HealthChecker checker = new HealthChecker(store, registry);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    checker.close();
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  @Test
  void failingHttpBackendGetsNoWorkUntilItPassesAgain() throws IOException {
    AtomicInteger badStatus = new AtomicInteger(500);
    AtomicReference<String> seen = new AtomicReference<>();
    int port = httpServer(GOOD, 0, new AtomicInteger(200), new AtomicReference<>());
    httpServer(BAD, port, badStatus, seen);
    HealthCheck http =
        new HealthCheck(
            HealthCheck.Kind.HTTP,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ZERO,
            "GET",
            "/health",
            Map.of("X-Probe", "yes"),
            port);
    publish(List.of(http), backend("good", GOOD), backend("bad", BAD));
    java.util.List<io.flycast.catalog.RouteKey> recovered =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    checker.onRecovered(recovered::add);
    checker.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "bad"));
    assertThat(seen.get()).isEqualTo("GET /health X-Probe=yes");
    assertThat(checker.healthy(KEY, "good")).isTrue();
    Balancer balancer = new Balancer(null, new LoadTracker(), checker);
    for (int i = 0; i < 50; i++) {
      Lease l = balancer.pick(store.current().route(KEY));
      assertThat(l.backend().name()).isEqualTo("good");
      l.release();
    }
    assertThat(metricNames())
        .contains("flycast_health_check_failures", "flycast_backends_unhealthy");

    assertThat(recovered).isEmpty();
    badStatus.set(204);
    await().atMost(Duration.ofSeconds(5)).until(() -> checker.healthy(KEY, "bad"));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> recovered.contains(KEY)); // queued work may use it now
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              Lease l = balancer.pick(store.current().route(KEY));
              l.release();
              return l.backend().name().equals("bad");
            });
  }

  @Test
  void closedTcpPortIsUnhealthyOnlyAfterTheGracePeriod() throws IOException {
    ServerSocket listening = new ServerSocket(0, 50, GOOD); // the kernel accepts; nobody needs to
    closeables.add(listening);
    int port = listening.getLocalPort();
    HealthCheck tcp =
        new HealthCheck(
            HealthCheck.Kind.TCP,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ofMillis(1500),
            null,
            null,
            null,
            port);
    publish(List.of(tcp), backend("up", GOOD), backend("down", BAD));
    checker.start();

    await()
        .during(Duration.ofMillis(700))
        .atMost(Duration.ofMillis(1400))
        .until(() -> checker.healthy(KEY, "down"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "down"));
    assertThat(checker.healthy(KEY, "up")).isTrue();
  }

  @Test
  void followsTheCatalog() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, BAD)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    HealthCheck tcp =
        new HealthCheck(
            HealthCheck.Kind.TCP,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ZERO,
            null,
            null,
            null,
            port);
    checker.start();
    publish(List.of(), backend("down", BAD));
    publish(List.of(tcp), backend("down", BAD));
    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "down"));

    store.putBackends(KEY, List.of(backend("other", GOOD)));
    await()
        .atMost(Duration.ofSeconds(5))
        .alias("a removed backend is forgotten")
        .until(() -> checker.healthy(KEY, "down"));
    store.putBackends(KEY, List.of(backend("down", BAD)));
    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "down"));
    publish(List.of(), backend("down", BAD));
    await()
        .atMost(Duration.ofSeconds(5))
        .alias("a route without checks is healthy")
        .until(() -> checker.healthy(KEY, "down"));
  }

  private void publish(List<HealthCheck> checks, Backend... backends) {
    store.putSpec(
        RouteSpec.builder(KEY, ip("fdaa::1"))
            .ports(List.of(PortSpec.tcp(80, 8080)))
            .network("ns")
            .checks(checks)
            .build());
    store.putBackends(KEY, List.of(backends));
  }

  private List<String> metricNames() {
    return registry.scrape().stream()
        .map(MetricSnapshot::getMetadata)
        .map(m -> m.getName())
        .toList();
  }

  /**
   * An HTTP server answering {@code status}, recording "METHOD path X-Probe=value" into {@code
   * seen}.
   */
  private int httpServer(
      InetAddress at, int port, AtomicInteger status, AtomicReference<String> seen)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(at, port), 50);
    server.createContext(
        "/",
        ex -> {
          seen.set(
              ex.getRequestMethod()
                  + " "
                  + ex.getRequestURI()
                  + " X-Probe="
                  + ex.getRequestHeaders().getFirst("X-Probe"));
          ex.sendResponseHeaders(status.get(), -1);
          ex.close();
        });
    server.start();
    closeables.add(() -> server.stop(0));
    return server.getAddress().getPort();
  }

  private static Backend backend(String name, InetAddress address) {
    return new Backend(name, address, "fra", true, true, false);
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
