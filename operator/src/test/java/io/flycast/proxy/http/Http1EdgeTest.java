package io.flycast.proxy.http;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyFixture;
import io.flycast.proxy.RawHttp;
import io.flycast.proxy.ScriptedBackend;
import io.flycast.proxy.TestRoutes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 from a hostile client on the shared listener: malformed chunked bodies, RFC 9112 framing
 * and target rules, pipelining floods, and slow bodies. The backend records what reached it, so
 * each test can say that nothing forged or truncated did.
 */
class Http1EdgeTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Request heads the backend read, and whether each request's body arrived whole. */
  private final List<String> heads = new CopyOnWriteArrayList<>();

  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private ProxyFixture fx;
  private ScriptedBackend backendServer;

  private void start(ProxyConfig.Builder config, io.flycast.catalog.Concurrency limits)
      throws Exception {
    backendServer =
        new ScriptedBackend(
            "127.0.0.1",
            0,
            (socket, head) -> {
              InputStream in = socket.getInputStream();
              while (!head.isEmpty()) {
                heads.add(head);
                String body = readBody(in, head);
                if (body == null) {
                  return; // the proxy gave up on the request mid-body
                }
                bodies.add(body);
                ScriptedBackend.write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                head = ScriptedBackend.readHead(in);
              }
            });
    fx = new ProxyFixture(config.shutdownGrace(Duration.ofSeconds(1)));
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), backendServer.port())),
            limits));
    fx.store.putBackends(KEY, List.of(backend("b1", "test")));
  }

  private void start() throws Exception {
    start(ProxyConfig.builder(), io.flycast.catalog.Concurrency.DEFAULT);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.close();
    }
    if (backendServer != null) {
      backendServer.close();
    }
  }

  /**
   * The body after {@code head}, by Content-Length or chunked; null when the stream ended first.
   */
  private static String readBody(InputStream in, String head) throws IOException {
    String lower = head.toLowerCase(Locale.ROOT);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (lower.contains("transfer-encoding: chunked")) {
      while (true) {
        String line = line(in);
        if (line == null) {
          return null;
        }
        int size = Integer.parseInt(line.split(";")[0].trim(), 16);
        if (size == 0) {
          return line(in) == null ? null : body.toString(StandardCharsets.ISO_8859_1);
        }
        byte[] chunk = in.readNBytes(size + 2);
        if (chunk.length < size + 2) {
          return null;
        }
        body.write(chunk, 0, size);
      }
    }
    int at = lower.indexOf("content-length:");
    if (at < 0) {
      return "";
    }
    int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
    byte[] b = in.readNBytes(length);
    return b.length < length ? null : new String(b, StandardCharsets.ISO_8859_1);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return null;
  }

  /**
   * What the proxy answered {@code raw} with: the status line, or "closed" when it closed first.
   */
  private String answer(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", fx.httpPort())) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return all.isEmpty() ? "closed" : all.substring(0, all.indexOf("\r\n"));
    } catch (SocketException reset) {
      return "closed";
    }
  }

  private void othersStillServed() throws IOException {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      assertThat(c.get(HOST, "/still-ok").status()).isEqualTo(200);
    }
  }

  @ParameterizedTest(name = "chunk size line {0}")
  @ValueSource(strings = {"0x3", "-3", "+3", "fffffffffffffffff3", "3;ext\nx"})
  void aMalformedChunkNeverCompletesTheBackendRequest(String sizeLine) throws Exception {
    start();
    String status =
        answer(
            "POST /upload HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                + sizeLine
                + "\r\nabc\r\n0\r\n\r\n");
    assertThat(status).as("answered at once, not hung").matches("HTTP/1.1 400 .*|closed");
    assertThat(bodies).as("no backend request completed").isEmpty();
    othersStillServed();
  }

  @Test
  void aMalformedChunkAfterALargeStreamedChunkAbortsTheBackendRequest() throws Exception {
    start();
    String big = "x".repeat(RequestBodyPump.BUFFERED_LIMIT + 10);
    try (Socket s = new Socket("127.0.0.1", fx.httpPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: "
                  + HOST
                  + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + Integer.toHexString(big.length())
                  + "\r\n"
                  + big
                  + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      await().atMost(WAIT).until(() -> heads.size() == 1); // larger than buffered: the body streams
      out.write("0x3\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(all).as("400, then closed").matches("(?s)(HTTP/1.1 400 .*)?");
    }
    assertThat(bodies).as("the backend saw the request cut short, never complete").isEmpty();
    othersStillServed();
  }

  static Stream<Arguments> refusedRequests() {
    return Stream.of(
        Arguments.of(
            "te-gzip",
            "POST / HTTP/1.1\r\nHost: web.shop.flycast\r\nTransfer-Encoding: gzip\r\n\r\nabc",
            400),
        Arguments.of(
            "te-chunked-then-gzip",
            """
            POST / HTTP/1.1\r
            Host: web.shop.flycast\r
            Transfer-Encoding: chunked, gzip\r
            \r
            0\r
            \r
            """,
            400),
        Arguments.of(
            "two-hosts",
            "GET / HTTP/1.1\r\nHost: web.shop.flycast\r\nHost: evil.example\r\n\r\n",
            400),
        Arguments.of(
            "absolute-other-host",
            "GET http://evil.example/ HTTP/1.1\r\nHost: web.shop.flycast\r\n\r\n",
            400),
        Arguments.of("nul-in-target", "GET /a\0b HTTP/1.1\r\nHost: web.shop.flycast\r\n\r\n", 400),
        Arguments.of(
            "ctl-in-target", "GET /a\u0001b HTTP/1.1\r\nHost: web.shop.flycast\r\n\r\n", 400),
        Arguments.of("no-host", "GET / HTTP/1.1\r\n\r\n", 400),
        Arguments.of("bad-host", "GET / HTTP/1.1\r\nHost: web.shop.flycast/x\r\n\r\n", 400),
        Arguments.of(
            "connect",
            "CONNECT web.shop.flycast:443 HTTP/1.1\r\nHost: web.shop.flycast:443\r\n\r\n",
            405),
        Arguments.of(
            "nul-in-value", "GET / HTTP/1.1\r\nHost: web.shop.flycast\r\nX-A: a\0b\r\n\r\n", 400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedRequests")
  void framingAndTargetRulesAreEnforced(String name, String raw, int expected) throws Exception {
    start();
    assertThat(answer(raw)).startsWith("HTTP/1.1 " + expected + " ");
    assertThat(heads).as("nothing reached the backend").isEmpty();
  }

  @Test
  void anAbsoluteFormTargetForTheSameHostGoesToTheBackendInOriginForm() throws Exception {
    start();
    assertThat(
            answer(
                """
                GET http://web.shop.flycast/a?b=c HTTP/1.1\r
                Host: web.shop.flycast\r
                Connection: close\r
                \r
                """))
        .startsWith("HTTP/1.1 200 ");
    assertThat(heads).hasSize(1);
    assertThat(heads.get(0)).startsWith("GET /a?b=c HTTP/1.1\r\n");
  }

  @Test
  void anHttp10RequestWithoutHostIsServed() throws Exception {
    start();
    assertThat(answer("GET / HTTP/1.0\r\n\r\n"))
        .as("routed to nothing, but not refused for its form")
        .startsWith("HTTP/1.1 404 ");
  }

  @Test
  void anH2cUpgradeIsNotPassedOn() throws Exception {
    start();
    assertThat(
            answer(
                """
                GET / HTTP/1.1\r
                Host: web.shop.flycast\r
                Connection: Upgrade, HTTP2-Settings\r
                Upgrade: h2c\r
                HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r
                Connection: close\r
                \r
                """))
        .startsWith("HTTP/1.1 200 ");
    assertThat(heads).hasSize(1);
    assertThat(heads.get(0).toLowerCase(Locale.ROOT))
        .doesNotContain("upgrade")
        .doesNotContain("http2-settings");
  }

  @Test
  void pipelinedRequestsAClientNeverReadsAreBounded() throws Exception {
    start();
    int sent = 0;
    try (Socket s = new Socket("127.0.0.1", fx.httpPort())) {
      s.setSoTimeout(5_000);
      s.setReceiveBufferSize(4096);
      OutputStream out = s.getOutputStream();
      byte[] request =
          ("GET /p HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
      byte[] batch = new byte[request.length * 1000];
      for (int i = 0; i < 1000; i++) {
        System.arraycopy(request, 0, batch, i * request.length, request.length);
      }
      try {
        for (int i = 0; i < 20; i++) { // 20,000 requests, unless the proxy stops reading first
          out.write(batch);
          sent += 1000;
        }
      } catch (SocketException | SocketTimeoutException stopped) {
        // the proxy closed, or stopped reading and the socket buffers are full: both bound it
      }
      String all;
      try {
        all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketException reset) {
        all = "";
      }
      int answered = all.split("HTTP/1.1 200 ", -1).length - 1;
      assertThat(answered)
          .as("requests answered before the proxy closed")
          .isLessThanOrEqualTo(HttpProxyHandler.MAX_PIPELINED + 2);
    }
    assertThat(sent).isGreaterThan(0);
    assertThat(fx.counter("flycast_proxy_protocol_violations", "reason", "pipelined_requests"))
        .isEqualTo(1.0);
    othersStillServed();
  }

  @Test
  void aSmallBodyTrickledSlowlyHoldsNoBackendSlot() throws Exception {
    // One slot for the whole route, no waiting for it: a held slot would make the next request 503.
    start(ProxyConfig.builder().queueTimeout(Duration.ZERO), TestRoutes.limits(1, 1));
    try (Socket slow = new Socket("127.0.0.1", fx.httpPort())) {
      slow.getOutputStream()
          .write(
              ("POST /slow HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 100\r\n\r\nab")
                  .getBytes(StandardCharsets.ISO_8859_1));
      for (int i = 0; i < 3; i++) {
        othersStillServed();
      }
      assertThat(heads)
          .as("the slow request has not reached the backend")
          .allMatch(h -> h.startsWith("GET "));
    }
  }

  @Test
  void aBodySentBelowTheMinimumRateGets408AndFreesTheBackend() throws Exception {
    start(
        ProxyConfig.builder().bodyReadTimeout(Duration.ofMillis(500)).minBodyRate(100_000),
        io.flycast.catalog.Concurrency.DEFAULT);
    int length = RequestBodyPump.BUFFERED_LIMIT * 2; // streamed: the backend has the request
    try (Socket slow = new Socket("127.0.0.1", fx.httpPort())) {
      slow.setSoTimeout(10_000);
      OutputStream out = slow.getOutputStream();
      out.write(
          ("POST /slow HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: " + length + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(new byte[RequestBodyPump.BUFFERED_LIMIT + 1]);
      out.flush();
      await().atMost(WAIT).until(() -> heads.size() == 1);
      // Then a byte now and then, far below the minimum rate: 65 KiB bought 0.65 s of waiting at
      // 100,000 B/s, on top of the 0.5 s allowance; each byte at 10 B/s buys 10 microseconds.
      long start = System.nanoTime();
      String status = null;
      for (int i = 0; i < 2000 && status == null; i++) {
        try {
          out.write('x');
          out.flush();
        } catch (SocketException closed) {
          break;
        }
        slow.setSoTimeout(100);
        try {
          byte[] got = slow.getInputStream().readNBytes(12);
          status = new String(got, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException notYet) {
          // keep trickling
        }
      }
      assertThat(status).startsWith("HTTP/1.1 408");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
    assertThat(bodies).as("the backend never saw the body end").isEmpty();
    othersStillServed();
  }
}
