package io.flycast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.flycast.catalog.Backend;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.health.HealthChecker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** End to end: real proxy, real backends, a failing /health keeps requests away from a backend. */
class HealthRoutingTest {
  private static final RouteKey KEY = new RouteKey("default", "shop");
  private static final String HOST = "shop.default.flycast";

  private final List<HttpServer> servers = new ArrayList<>();
  private ProxyFixture fx;
  private HealthChecker checker;

  @AfterEach
  void tearDown() {
    if (checker != null) {
      checker.close();
    }
    if (fx != null) {
      fx.close();
    }
    servers.forEach(s -> s.stop(0));
  }

  @Test
  void requestsAvoidABackendFailingItsHttpCheckUntilItRecovers() throws Exception {
    AtomicInteger badHealth = new AtomicInteger(500);
    AtomicInteger goodHealth = new AtomicInteger(200);
    int port = backend("127.0.0.1", 0, "good", goodHealth);
    backend("127.0.0.2", port, "bad", badHealth);
    fx = new ProxyFixture();
    checker = new HealthChecker(fx.store, null).start();
    fx.proxy.balancer().useHealth(checker);
    HealthCheck check =
        new HealthCheck(
            HealthCheck.Kind.HTTP,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ZERO,
            "GET",
            "/health",
            Map.of(),
            port);
    fx.store.putSpec(
        RouteSpec.builder(KEY, TestRoutes.ip("127.0.0.1"))
            .ports(List.of(TestRoutes.httpPort(TestRoutes.freePort(), port)))
            .network("default")
            .checks(List.of(check))
            .build());
    fx.store.putBackends(KEY, List.of(up("good", "127.0.0.1"), up("bad", "127.0.0.2")));

    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "bad"));
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      for (int i = 0; i < 20; i++) {
        RawHttp.Response r = c.get(HOST, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("good");
      }
    }

    // Nothing healthy: the client is told no backend is ready (not "at capacity"), and no
    // request reaches the failing backend.
    goodHealth.set(503);
    await().atMost(Duration.ofSeconds(5)).until(() -> !checker.healthy(KEY, "good"));
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response r = c.get(HOST, "/");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).contains("no backend of " + HOST + " is ready");
    }
    goodHealth.set(200);

    badHealth.set(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try (RawHttp c = new RawHttp(fx.httpPort())) {
                return c.get(HOST, "/").body().equals("bad");
              }
            });
  }

  /** Answers {@code /health} with {@code health} and everything else with 200 and its name. */
  private int backend(String address, int port, String name, AtomicInteger health)
      throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(address, port), 64);
    s.createContext(
        "/",
        ex -> {
          byte[] body = name.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    s.createContext(
        "/health",
        ex -> {
          ex.sendResponseHeaders(health.get(), -1);
          ex.close();
        });
    s.start();
    servers.add(s);
    return s.getAddress().getPort();
  }

  private static Backend up(String name, String address) {
    return new Backend(name, TestRoutes.ip(address), "test", true, true, false);
  }
}
