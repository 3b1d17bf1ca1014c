package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Service port with a named {@code targetPort}: each backend is dialed on the number its
 * EndpointSlice lists under the Service port's name, and a backend whose slice has none (a pod
 * without a container port of that name) gets none of that port's work, as with kube-proxy.
 */
class NamedTargetPortTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private ProxyFixture fx;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  /** Port {@code port}, Service port name "web", {@code targetPort: http}: no number of its own. */
  static PortSpec named(int port, Set<Handler> handlers) {
    return new PortSpec(
        port, 0, handlers, false, null, ProxyProtoVersion.V1, HttpOptions.DEFAULT, "web", "http");
  }

  static Backend backend(String name, Map<String, Integer> ports) {
    return new Backend(name, ip("127.0.0.1"), "test", true, true, false, ports);
  }

  private void route(PortSpec port, Backend... backends) {
    fx.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(), List.of(port)));
    fx.store.putBackends(KEY, List.of(backends));
  }

  @Test
  void httpIsSentToTheResolvedNumberAndNeverToABackendWithout() throws Exception {
    try (EchoHttpBackend echo = new EchoHttpBackend("resolved")) {
      route(
          named(TestRoutes.freePort(), Set.of(Handler.HTTP)),
          backend("a-unresolved", Map.of()),
          backend("b-resolved", Map.of("web", echo.port())),
          backend("c-unresolved", Map.of("other", 1)));
      try (RawHttp c = new RawHttp(fx.httpPort())) {
        for (int i = 0; i < 6; i++) {
          RawHttp.Response r = c.get(HOST, "/");
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.header("x-backend")).isEqualTo("resolved");
        }
      }
      assertThat(fx.counter("flycast_proxy_backend_connect_failures")).isZero();
    }
  }

  @Test
  void withNoBackendResolvingTheNameHttpHearsNoBackendIsReady() throws Exception {
    route(named(TestRoutes.freePort(), Set.of(Handler.HTTP)), backend("a", Map.of()));
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      assertThat(c.get(HOST, "/").status()).isEqualTo(503);
    }
    assertThat(fx.counter("flycast_proxy_unavailable", "reason", "no_backends")).isEqualTo(1.0);
    assertThat(fx.counter("flycast_proxy_backend_connect_failures")).isZero();
  }

  @Test
  void tcpIsRelayedToTheResolvedNumber() throws Exception {
    try (TcpEchoServer echo = new TcpEchoServer()) {
      int port = TestRoutes.freePort();
      route(
          named(port, Set.of()),
          backend("a-unresolved", Map.of()),
          backend("b-resolved", Map.of("web", echo.port())));
      await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
      for (int i = 0; i < 4; i++) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          s.shutdownOutput();
          assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
              .isEqualTo("ping");
        }
      }
      assertThat(fx.counter("flycast_proxy_backend_connect_failures")).isZero();
    }
  }

  @Test
  void withNoBackendResolvingTheNameTcpIsClosed() throws IOException {
    int port = TestRoutes.freePort();
    route(named(port, Set.of()), backend("a", Map.of()));
    await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(fx.counter("flycast_proxy_unavailable", "reason", "no_backends")).isEqualTo(1.0);
  }
}
