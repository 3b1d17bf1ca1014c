package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.tls.ServerCertificate;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A replica leaving a Service: from {@link ProxyServer#beginDrain()} it still serves everyone, old
 * connections and new, but tells keep-alive clients to go; {@link ProxyServer#stop()} then stops
 * accepting and lets work in flight finish.
 */
class ProxyDrainTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static void route(ProxyFixture fx, EchoHttpBackend echo) {
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), echo.port())),
            Concurrency.DEFAULT));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
  }

  @Test
  void drainingKeepsServingOldAndNewConnectionsAndTellsEachToClose() throws Exception {
    try (ProxyFixture fx = new ProxyFixture();
        EchoHttpBackend echo = new EchoHttpBackend("b1");
        RawHttp kept = new RawHttp(fx.httpPort())) {
      route(fx, echo);
      RawHttp.Response before = kept.get(HOST, "/");
      assertThat(before.status()).isEqualTo(200);
      assertThat(before.header("connection"))
          .as("keep-alive before the drain")
          .isNotEqualTo("close");

      fx.proxy.beginDrain();

      assertThat(fx.proxy.isServing()).as("out of the Service's endpoints from now on").isFalse();
      RawHttp.Response onKept = kept.get(HOST, "/");
      assertThat(onKept.status()).as("served on the connection it had").isEqualTo(200);
      assertThat(onKept.header("connection")).as("told to reconnect elsewhere").isEqualTo("close");
      assertThat(kept.closedByPeer()).isTrue();
      try (RawHttp late = new RawHttp(fx.httpPort())) {
        RawHttp.Response r = late.get(HOST, "/");
        assertThat(r.status()).as("a connection the Service still sends here").isEqualTo(200);
        assertThat(r.header("connection")).isEqualTo("close");
      }
    }
  }

  @Test
  void aResponseInFlightFinishesAfterStopClosedTheListener() throws Exception {
    ProxyFixture fx = new ProxyFixture(ProxyConfig.builder().shutdownGrace(Duration.ofSeconds(30)));
    try (EchoHttpBackend echo = new EchoHttpBackend("b1");
        RawHttp slow = new RawHttp(fx.httpPort())) {
      route(fx, echo);
      int port = fx.httpPort();
      slow.send("GET /stream HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
      assertThat(slow.readHead().status()).isEqualTo(200);
      fx.proxy.beginDrain();

      CompletableFuture<Void> stopped =
          CompletableFuture.runAsync(fx.proxy::stop, Thread::startVirtualThread);
      await().atMost(WAIT).until(() -> refusesConnections(port));
      assertThat(stopped).as("stop waits for the response in flight").isNotDone();
      echo.releaseStream();

      String rest = new String(slow.in().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(rest).contains("data: first", "data: second").endsWith("0\r\n\r\n");
      stopped.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      fx.close();
    }
  }

  @Test
  void http2ClientsGetAGracefulGoAwayThenOneNamingTheLastStreamTaken() throws Exception {
    String sni = "shop.example.com";
    ServerCertificate cert = TestCertificates.selfSigned(sni);
    ScriptedBackend backend =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (socket, head) -> {
              InputStream in = socket.getInputStream();
              while (!head.isEmpty()) {
                ScriptedBackend.write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                head = ScriptedBackend.readHead(in);
              }
            });
    CatalogStore store = new CatalogStore();
    ProxyServer proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .shutdownGrace(Duration.ofSeconds(30))
                    .build(),
                store,
                ProxyMetrics.unregistered(),
                (route, secret) -> cert)
            .start();
    try (backend) {
      int port = TestRoutes.freePort();
      store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(sni),
              List.of(
                  new PortSpec(
                      port,
                      backend.port(),
                      Set.of(Handler.TLS, Handler.HTTP),
                      false,
                      new TlsOptions("web-tls", List.of(), List.of()),
                      ProxyProtoVersion.V1,
                      HttpOptions.DEFAULT))));
      store.putBackends(KEY, List.of(backend("b1", "test")));
      await().atMost(WAIT).until(() -> proxy.dedicatedPorts().contains(port));
      try (RawH2 h2 = new RawH2(port, sni, true)) {
        h2.get(1, sni, "/").flush();
        assertThat(h2.await(f -> f.type() == RawH2.HEADERS && f.stream() == 1, WAIT).status())
            .isEqualTo(200);

        proxy.beginDrain();

        RawH2.Frame first = h2.await(f -> f.type() == RawH2.GOAWAY, WAIT);
        assertThat(first).as("told to go at once").isNotNull();
        assertThat(first.code()).isZero();
        assertThat(lastStreamId(first))
            .as("streams already on the wire still served")
            .isEqualTo(Integer.MAX_VALUE);
        h2.get(3, sni, "/sent-before-reading-the-goaway").flush();
        assertThat(h2.await(f -> f.type() == RawH2.HEADERS && f.stream() == 3, WAIT).status())
            .isEqualTo(200);

        CompletableFuture<Void> stopped =
            CompletableFuture.runAsync(proxy::stop, Thread::startVirtualThread);
        RawH2.Frame last = h2.await(f -> f.type() == RawH2.GOAWAY, WAIT);
        assertThat(last).as("the last GOAWAY at stop").isNotNull();
        assertThat(last.code()).isZero();
        assertThat(lastStreamId(last)).as("the last stream the proxy took").isEqualTo(3);
        stopped.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(WAIT).until(h2::closedByServer);
      }
    } finally {
      proxy.stop();
    }
  }

  private static int lastStreamId(RawH2.Frame goAway) {
    byte[] p = goAway.payload();
    return ((p[0] & 0x7f) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
  }

  private static boolean refusesConnections(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
