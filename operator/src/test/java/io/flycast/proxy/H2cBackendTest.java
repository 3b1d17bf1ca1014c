package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code http.h2_backend}: HTTP/1.1 clients, h2c (prior knowledge) to the backend, streams
 * multiplexed.
 */
class H2cBackendTest {
  private static final RouteKey KEY = new RouteKey("shop", "api");
  private static final String HOST = "api.example.com";

  private ProxyFixture fx;
  private H2cEchoBackend h2c;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    h2c = new H2cEchoBackend();
    PortSpec spec =
        new PortSpec(
            TestRoutes.freePort(),
            h2c.port(),
            Set.of(Handler.HTTP),
            false,
            null,
            ProxyProtoVersion.V1,
            new HttpOptions(true, HttpOptions.DEFAULT_IDLE_TIMEOUT, Map.of()));
    fx.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(HOST), List.of(spec)));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
  }

  @AfterEach
  void tearDown() {
    fx.close();
    h2c.close();
  }

  @Test
  void requestReachesTheH2cBackendWithFlyHeadersAndBody() throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response resp =
          c.send("POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\n\r\nhello")
              .read();
      assertThat(resp.status()).isEqualTo(200);
      assertThat(resp.header("x-backend")).isEqualTo("h2c");
      assertThat(resp.header("fly-request-id")).isNotNull();
      assertThat(resp.body())
          .startsWith("uri: /echo\n")
          .contains("host: " + HOST + "\n")
          .contains("x-http2-stream-id: ")
          .contains("fly-client-ip: 127.0.0.1\n")
          .doesNotContain("connection:")
          .endsWith("\nhello");
      assertThat(resp.headers().keySet()).noneMatch(h -> h.startsWith("x-http2"));
    }
  }

  @Test
  void anIdleBackendConnectionIsClosedAfterThePoolIdleTimeout() throws Exception {
    try (ProxyFixture shortIdle =
        new ProxyFixture(ProxyConfig.builder().poolIdleTimeout(Duration.ofMillis(300)))) {
      PortSpec spec =
          new PortSpec(
              TestRoutes.freePort(),
              h2c.port(),
              Set.of(Handler.HTTP),
              false,
              null,
              ProxyProtoVersion.V1,
              new HttpOptions(true, HttpOptions.DEFAULT_IDLE_TIMEOUT, Map.of()));
      shortIdle.store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(HOST), List.of(spec)));
      shortIdle.store.putBackends(KEY, List.of(backend("b1", "test")));
      try (RawHttp c = new RawHttp(shortIdle.httpPort())) {
        assertThat(c.get(HOST, "/").status()).isEqualTo(200);
        assertThat(h2c.open.get()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> h2c.open.get() == 0);
      }
    }
  }

  @Test
  void largeBodiesFlowBothWaysOverTheStream() throws Exception {
    String big = "y".repeat(3 << 20);
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response resp =
          c.send(
                  "POST /big HTTP/1.1\r\nHost: "
                      + HOST
                      + "\r\nContent-Length: "
                      + big.length()
                      + "\r\n\r\n"
                      + big)
              .read();
      assertThat(resp.status()).isEqualTo(200);
      assertThat(resp.body()).endsWith("\n\n" + big);
    }
  }

  @Test
  void requestsShareOneConnectionPerEventLoopAsStreams() throws Exception {
    int clients = 8;
    int perClient = 5;
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      int n = i;
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try (RawHttp c = new RawHttp(fx.httpPort())) {
                  for (int j = 0; j < perClient; j++) {
                    RawHttp.Response resp = c.get(HOST, "/" + n + "/" + j);
                    assertThat(resp.status()).isEqualTo(200);
                    assertThat(resp.body()).startsWith("uri: /" + n + "/" + j + "\n");
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(h2c.streams.get()).isEqualTo(clients * perClient);
    // The proxy runs 2 worker event loops; each keeps one connection to the backend.
    assertThat(h2c.connections.get()).isBetween(1, 2);
  }
}
