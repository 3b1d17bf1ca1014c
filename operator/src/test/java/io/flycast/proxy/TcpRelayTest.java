package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Concurrency;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dedicated listeners with no handlers: raw TCP relayed to backends. */
class TcpRelayTest {
  private static final RouteKey KEY = new RouteKey("default", "db");

  private ProxyFixture fx;
  private TcpEchoServer echo;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    echo = new TcpEchoServer();
    port = TestRoutes.freePort();
  }

  @AfterEach
  void tearDown() throws IOException {
    fx.close();
    echo.close();
  }

  private void route(PortSpec spec, io.flycast.catalog.Backend... backends) {
    fx.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(spec), Concurrency.DEFAULT));
    fx.store.putBackends(KEY, List.of(backends));
    await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void relaysOneMebibyteBothWaysIntactAndForwardsHalfClose() throws Exception {
    route(PortSpec.tcp(port, echo.port()), backend("b1", "test"));
    byte[] payload = new byte[1024 * 1024];
    new Random(7).nextBytes(payload);
    try (Socket s = connect()) {
      // Write on another thread: the echo comes back while we are still sending.
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  s.getOutputStream().write(payload);
                  s.getOutputStream().flush();
                  s.shutdownOutput(); // half-close: the backend must see EOF and still answer
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      byte[] back = s.getInputStream().readAllBytes(); // returns only at the backend's FIN
      writer.get();
      assertThat(back).isEqualTo(payload);
    }
  }

  @Test
  void halfClosedClientStillReceivesTheBackendsAnswer() throws Exception {
    route(PortSpec.tcp(port, echo.port()), backend("b1", "test"));
    try (Socket s = connect()) {
      s.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput();
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("ping");
    }
  }

  @Test
  void unreachableBackendIsSkippedForAnother() throws Exception {
    // 127.0.0.2 routes to loopback but nothing listens there on the echo port: refused.
    route(
        PortSpec.tcp(port, echo.port()),
        backend("dead", "127.0.0.2", "test"),
        backend("live", "test"));
    for (int i = 0; i < 6; i++) {
      try (Socket s = connect()) {
        s.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
        assertThat(s.getInputStream().read()).isEqualTo('x');
      }
    }
    assertThat(echo.accepted.get()).isEqualTo(6);
  }

  @Test
  void noBackendClosesTheConnection() throws Exception {
    route(PortSpec.tcp(port, echo.port()));
    try (Socket s = connect()) {
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(fx.counter("flycast_proxy_unavailable", "reason", "no_backends")).isEqualTo(1.0);
  }

  @Test
  void proxyProtocolHeaderPrecedesClientBytes() throws Exception {
    try (TcpEchoServer withHeader = new TcpEchoServer(true)) {
      PortSpec spec =
          new PortSpec(
              port,
              withHeader.port(),
              Set.of(Handler.PROXY_PROTO),
              false,
              null,
              ProxyProtoVersion.V1,
              HttpOptions.DEFAULT);
      route(spec, backend("b1", "test"));
      try (Socket s = connect()) {
        s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
        InputStream in = s.getInputStream();
        assertThat(new String(in.readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(withHeader.proxyHeader.get())
            .isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " " + port);
      }
    }
  }

  @Test
  void listenersFollowTheCatalog() {
    route(PortSpec.tcp(port, echo.port()), backend("b1", "test"));
    fx.store.remove(KEY);
    await().atMost(Duration.ofSeconds(5)).until(() -> !fx.proxy.dedicatedPorts().contains(port));
  }
}
