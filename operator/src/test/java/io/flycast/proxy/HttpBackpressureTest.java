package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.RouteKey;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A client that reads slowly holds its backend back: the proxy stops reading the response while the
 * client's socket is full, so a large download costs the proxy a bounded buffer, not the body.
 */
class HttpBackpressureTest {
  private static final RouteKey KEY = new RouteKey("shop", "download");
  private static final long BODY = 256L << 20;

  /**
   * What the sockets between backend and client may hold when everything stalls: the backend's send
   * buffer, the proxy's receive and send buffers (kernel autotuning, up to tens of MiB on loopback)
   * and the proxy's own write buffer, up to its high water mark. Far below the body.
   */
  private static final long IN_FLIGHT_LIMIT = 96L << 20;

  @Test
  void slowClientHoldsBackTheBackendAndStillGetsEveryByte() throws Exception {
    AtomicLong written = new AtomicLong();
    try (ProxyFixture fx = new ProxyFixture();
        ScriptedBackend backend =
            new ScriptedBackend(
                "127.0.0.1",
                0,
                (s, head) -> {
                  ScriptedBackend.write(
                      s, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
                  OutputStream out = s.getOutputStream();
                  byte[] chunk = new byte[64 * 1024];
                  for (long sent = 0; sent < BODY; sent += chunk.length) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                  }
                  out.flush();
                })) {
      fx.store.putSpec(
          TestRoutes.spec(
              KEY,
              "127.0.0.1",
              List.of(),
              List.of(TestRoutes.httpPort(TestRoutes.freePort(), backend.port()))));
      fx.store.putBackends(KEY, List.of(backend("b1", "test")));
      try (Socket client = new Socket()) {
        client.setReceiveBufferSize(64 * 1024); // before connecting: no autotuning on this side
        client.connect(new InetSocketAddress("127.0.0.1", fx.httpPort()));
        client
            .getOutputStream()
            .write(
                "GET /big HTTP/1.1\r\nHost: download.shop.flycast\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));

        // The client reads nothing yet: the backend must get stuck once the buffers between fill.
        AtomicLong previous = new AtomicLong(-1);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  long now = written.get();
                  return now > 0 && now == previous.getAndSet(now);
                });
        assertThat(written.get()).isLessThan(IN_FLIGHT_LIMIT);

        // Reading resumes the flow, to the last byte.
        InputStream in = client.getInputStream();
        assertThat(ScriptedBackend.readHead(in)).startsWith("HTTP/1.1 200");
        byte[] buf = new byte[256 * 1024];
        long received = 0;
        for (int n; received < BODY && (n = in.read(buf)) > 0; ) {
          received += n;
        }
        assertThat(received).isEqualTo(BODY);
        assertThat(written.get()).isEqualTo(BODY);
      }
    }
  }
}
