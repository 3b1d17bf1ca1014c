package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The edge hardening suite (docs/security.md, "Hardening suite"): each known attack on an
 * internet-facing proxy, sent with real sockets (and the real tool where Debian has one:
 * slowhttptest, testssl.sh, h2load, python3-h2, socat, dig) to the packaged jar in embedded mode
 * with examples/ applied. Every test checks what a user relies on and that the proxy keeps serving
 * a bystander, a plain {@code GET} to the web example, during or right after the attack.
 *
 * <p>Besides the examples, {@code hardening/edge.yaml} adds route {@code edge}: TLS on the shared
 * listener with the default ALPN (h2, http/1.1), always on. Attacks aim at it (or at {@code web},
 * whose concurrency limit the slow-body test needs); the bystander uses {@code web}.
 *
 * <p>Tools that take the host name from a URL (slowhttptest, whose TLS also sends no SNI) run in a
 * mount namespace of their own whose /etc/hosts maps the route names to 127.0.0.1; TLS slowloris
 * goes through a local socat bridge that adds SNI. The admin port from a non-loopback address and
 * the dedicated TLS/pg_tls ports are checked in a network namespace of the test's own ({@code
 * hardening/netns.sh}). Attack sizes are small but past each bound; the class runs in about three
 * minutes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EdgeHardeningE2E {
  static final String EDGE = "edge.default.flycast";
  static final String WEB = "web.default.flycast";
  static final String FORGED_IP = "10.6.6.6";
  static final Duration WAIT = Duration.ofSeconds(60);
  static final int PROTOCOL_ERROR = 0x1;
  static final int ENHANCE_YOUR_CALM = 0xB;

  /** SETTINGS_MAX_CONCURRENT_STREAMS the proxy announces (Http2ServerPipeline). */
  static final int MAX_CONCURRENT_STREAMS = 128;

  /**
   * ProxyConfig's default header-read timeout: the bound for silent clients when no flag sets one.
   */
  static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Flags, by the names a fix may give them, that shorten the TLS handshake timeout; the first one
   * --help lists is used.
   */
  static final List<String> HANDSHAKE_TIMEOUT_FLAGS =
      List.of("--tls-handshake-timeout", "--handshake-timeout", "--header-read-timeout");

  /** Likewise for the request-body timeout (slow POST bodies). */
  static final List<String> BODY_TIMEOUT_FLAGS =
      List.of("--body-read-timeout", "--request-body-timeout", "--body-timeout");

  static final Duration SHORT_TIMEOUT = Duration.ofSeconds(3);

  /** MadeYouReset: of 600 provoked resets, the backend work one connection may cause (half). */
  static final int MADE_YOU_RESET_WORK = 300;

  /** /healthz under attack: answered this fast (generous: the machine's 2 cores are shared). */
  static final Duration HEALTHZ_LATENCY = Duration.ofSeconds(2);

  static final ObjectMapper JSON = new ObjectMapper();

  static FlycastProcess flycast;
  static Path work;
  static Path hardening;
  static Path hosts;
  static Path applyDir;
  static List<String> tuning = new ArrayList<>();
  static Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("flycast-hardening");
    hardening = FlycastProcess.repo().resolve("e2e/src/test/resources/hardening");
    applyDir = Files.createDirectories(work.resolve("apply"));
    try (var examples = Files.list(FlycastProcess.repo().resolve("examples"))) {
      for (Path p : examples.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        Files.copy(p, applyDir.resolve(p.getFileName()));
      }
    }
    Files.copy(hardening.resolve("edge.yaml"), applyDir.resolve("zz-hardening-edge.yaml"));
    hosts = work.resolve("hosts");
    Files.writeString(
        hosts, "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 " + WEB + " " + EDGE + "\n");

    // Timeouts the fixed proxy may make configurable: shortened here when the jar has the flag.
    Set<String> flags = helpFlags();
    HANDSHAKE_TIMEOUT_FLAGS.stream()
        .filter(flags::contains)
        .findFirst()
        .ifPresent(
            f -> {
              tuning.addAll(List.of(f, SHORT_TIMEOUT.toSeconds() + "s"));
              handshakeTimeout = SHORT_TIMEOUT;
            });
    BODY_TIMEOUT_FLAGS.stream()
        .filter(flags::contains)
        .findFirst()
        .ifPresent(f -> tuning.addAll(List.of(f, SHORT_TIMEOUT.toSeconds() + "s")));
    log(
        "tuning flags passed: "
            + tuning
            + " (handshake bound "
            + handshakeTimeout.toSeconds()
            + "s)");

    List<String> args = new ArrayList<>(List.of("--apply", applyDir.toString()));
    args.addAll(tuning);
    flycast = FlycastProcess.startEmbedded(args.toArray(String[]::new));
    // A killed test JVM (Maven stopped) must not leave the proxy, its pods or a tool running.
    Process proxy = flycast.process;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  proxy.destroy();
                  for (Process p : STARTED) {
                    p.descendants().forEach(ProcessHandle::destroy);
                    p.destroy();
                  }
                },
                "hardening-cleanup"));
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(bystander()).isEqualTo(200);
              assertThat(curlH2("/ready")).isEqualTo("2 200");
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (flycast != null) {
      flycast.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP/2

  @Test
  @Order(1)
  void v01_h2RequestsThatWouldRewriteTheHttp11RequestAreResetAndNeverReachTheBackend()
      throws Exception {
    JsonNode r = h2probe("inject");
    log("v01 " + r);
    assertThat(r.at("/control/status").asInt())
        .as("control request " + r.get("control"))
        .isEqualTo(200);
    SoftAssertions soft = new SoftAssertions();
    for (JsonNode c : r.get("cases")) {
      soft.assertThat(
              c.get("result").asText()
                  + " "
                  + c.path("code").asInt(-1)
                  + " "
                  + c.path("status").asText(""))
          .as("%s: expected RST_STREAM PROTOCOL_ERROR, got %s", c.get("case").asText(), c)
          .isEqualTo("reset " + PROTOCOL_ERROR + " ");
      soft.assertThat(c.path("body").asText(""))
          .as("%s: the backend saw a forged header", c.get("case").asText())
          .doesNotContain(FORGED_IP);
    }
    // A smuggled second request would answer later requests on the pooled backend connection.
    for (int i = 0; i < 4; i++) {
      Http r1 =
          http1(flycast.httpPort, get("/after-inject-" + i, EDGE, true), Duration.ofSeconds(10));
      soft.assertThat(r1.status()).as("request after the injections").isEqualTo(200);
      soft.assertThat(r1.body())
          .contains("\"path\":\"/after-inject-" + i + "\"")
          .doesNotContain(FORGED_IP);
    }
    soft.assertAll();
    assertBystanderServed("after h2 injections");
  }

  @Test
  @Order(2)
  void v02_streamsOpenedBeforeTheSettingsAckAreCappedAtMaxConcurrentStreams() throws Exception {
    JsonNode r = h2probe("nosettingsack", "--streams", "300", "--seconds", "3");
    log("v02 " + r);
    assertThat(r.get("accepted").asInt())
        .as("streams accepted at once from a client that never ACKed SETTINGS: %s", r)
        .isLessThanOrEqualTo(MAX_CONCURRENT_STREAMS);
    assertBystanderServed("after 300 streams without a SETTINGS ACK");
    assertThat(curlH2("/after-settings-flood")).isEqualTo("2 200");
  }

  @Test
  @Order(3)
  void v03_madeYouResetEndsTheConnectionWithGoawayAndOpensNoBackendConnectionPerStream()
      throws Exception {
    String backend = backendAddress("edge");
    String proxied =
        "flycast_proxy_requests_by_method_total{method=\"GET\",route=\"default/edge\"}";
    double requestsBefore = metric(proxied);
    Set<String> before = backendSockets(backend);
    JsonNode r = h2probe("madeyoureset", "--streams", "600", "--seconds", "15");
    Set<String> after = backendSockets(backend);
    after.removeAll(before);
    double requests = metric(proxied) - requestsBefore;
    log("v03 " + r + " newBackendConnections=" + after.size() + " requestsProxied=" + requests);
    assertThat(r.get("goaway").isNull()).as("GOAWAY after server-provoked resets: %s", r).isFalse();
    assertThat(r.at("/goaway/code").asInt())
        .as("GOAWAY code")
        .isIn(ENHANCE_YOUR_CALM, PROTOCOL_ERROR);
    assertThat(r.at("/goaway/lastStreamId").asInt())
        .as("GOAWAY before the 600th stream")
        .isLessThan(2 * 600 - 1);
    // Pooled connections (v02 leaves many) may carry the work: count requests as well as new
    // sockets.
    assertThat(requests)
        .as("requests proxied for one attacking connection")
        .isLessThan(MADE_YOU_RESET_WORK);
    assertThat(after.size())
        .as("backend connections opened by one attacking connection")
        .isLessThan(MADE_YOU_RESET_WORK);
    assertBystanderServed("after MadeYouReset");
    assertThat(curlH2("/after-madeyoureset")).isEqualTo("2 200");
  }

  @Test
  @Order(4)
  void v04_anEmptyContinuationFloodIsCutWithGoaway() throws Exception {
    JsonNode r = h2probe("continuation", "--frames", "20000", "--seconds", "10");
    log("v04 " + r);
    // A server with no cap waits for END_HEADERS for ever: a close within seconds is the cap (or a
    // timeout) at work. GOAWAY is what it should send, but a client still writing may lose it to
    // the TCP reset that follows (nghttpd's answer reads that way): the close is what counts.
    assertThat(r.get("closedByServer").asBoolean())
        .as("connection closed by the proxy during 20000 empty CONTINUATION frames: %s", r)
        .isTrue();
    assertBystanderServed("after a CONTINUATION flood");
    assertThat(curlH2("/after-continuation")).isEqualTo("2 200");
  }

  // ---------------------------------------------------------------------------------------------
  // Connections and HTTP/1.1

  @Test
  @Order(5)
  void v05_silentClientsOnTheSharedTlsListenerAreClosedWithinTheHandshakeTimeout()
      throws Exception {
    Duration bound = handshakeTimeout.plusSeconds(3);
    String tls = "127.0.0.1:" + flycast.tlsPort;
    JsonNode r =
        JSON.readTree(
            lastLine(
                run(
                        Duration.ofSeconds(30),
                        List.of(
                            "/usr/bin/python3",
                            hardening.resolve("silent.py").toString(),
                            "--limit",
                            "15",
                            "tls-1=" + tls,
                            "tls-2=" + tls,
                            "tls-3=" + tls,
                            "http=127.0.0.1:" + flycast.httpPort))
                    .out()));
    log("v05 shared listeners: " + r + " (seconds until closed; null = still open at 15s)");
    SoftAssertions soft = new SoftAssertions();
    for (String name : List.of("tls-1", "tls-2", "tls-3")) {
      soft.assertThat(r.get(name).isNull())
          .as("%s: silent TLS client still open after 15s", name)
          .isFalse();
      soft.assertThat(r.get(name).asDouble(99))
          .as("%s closed within %ss", name, bound.toSeconds())
          .isLessThanOrEqualTo((double) bound.toSeconds());
    }
    soft.assertThat(r.get("http").asDouble(99))
        .as("silent plain HTTP client closed by the header-read timeout")
        .isLessThanOrEqualTo((double) (DEFAULT_HANDSHAKE_TIMEOUT.toSeconds() + 3));
    soft.assertAll();
    assertBystanderServed("after silent clients");
  }

  @Test
  @Order(6)
  void v06_aPipeliningClientThatNeverReadsDoesNotGrowTheHeap() throws Exception {
    long heapBefore = heapUsedAfterGc();
    byte[] one = get("/pipelined", EDGE, false);
    ByteBuffer chunk = ByteBuffer.wrap(repeat(one, 2000));
    long written = 0;
    try (SocketChannel ch = SocketChannel.open();
        Selector selector = Selector.open()) {
      ch.setOption(
          StandardSocketOptions.SO_RCVBUF, 4096); // and never read: responses pile up at the proxy
      ch.connect(new InetSocketAddress("127.0.0.1", flycast.httpPort));
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_WRITE);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      long lastProgress = System.nanoTime();
      while (written < 32L << 20
          && System.nanoTime() < deadline
          && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(2)) {
        selector.select(200);
        selector.selectedKeys().clear();
        if (!chunk.hasRemaining()) {
          chunk.rewind();
        }
        int n;
        try {
          n = ch.write(chunk);
        } catch (IOException closed) {
          break; // the proxy hung up on the flood: bounded too
        }
        if (n > 0) {
          written += n;
          lastProgress = System.nanoTime();
        }
      }
      // The flood is still connected, unread: now measure and serve a bystander.
      long heapDuring = heapUsedAfterGc();
      log(
          "v06 wrote "
              + written / 1024
              + " KiB of pipelined GETs; heap after GC "
              + heapBefore / 1024 / 1024
              + " MiB before, "
              + heapDuring / 1024 / 1024
              + " MiB during");
      assertThat(bystander()).as("bystander during the pipelining flood").isEqualTo(200);
      assertThat(heapDuring - heapBefore)
          .as("heap growth while a client pipelines and never reads")
          .isLessThan(64L << 20);
    }
    assertBystanderServed("after the pipelining flood");
  }

  @Test
  @Order(7)
  void v07_malformedChunkedBodiesAreRefusedAndNeverForwardedAsComplete() throws Exception {
    double ok = edgeRequests("200");
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("0x-prefix", "0x3\r\nabc\r\n0\r\n\r\n");
    cases.put("negative", "-3\r\nabc\r\n0\r\n\r\n");
    cases.put("overflow", "fffffffffffffffff3\r\nabc\r\n0\r\n\r\n");
    cases.put("bare-lf-in-extension", "3;a=b\nc\r\nabc\r\n0\r\n\r\n");
    SoftAssertions soft = new SoftAssertions();
    for (var c : cases.entrySet()) {
      // One good chunk first, so a proxy that streams the body has already started the backend
      // request.
      String req =
          "POST /chunked-"
              + c.getKey()
              + " HTTP/1.1\r\nHost: "
              + EDGE
              + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
              + c.getValue();
      Http r =
          http1(flycast.httpPort, req.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(5));
      log("v07 " + c.getKey() + ": " + r.summary());
      soft.assertThat(r.timedOut()).as("%s: the client connection hangs", c.getKey()).isFalse();
      soft.assertThat(r.status())
          .as("%s: 400 or closed, got %s", c.getKey(), r.summary())
          .isIn(400, Http.CLOSED);
    }
    soft.assertThat(edgeRequests("200") - ok).as("requests the backend answered 200 to").isZero();
    soft.assertAll();
    assertBystanderServed("after malformed chunked bodies");
  }

  @Test
  @Order(8)
  void v08_requestFramingFollowsRfc9112() throws Exception {
    String host = "Host: " + EDGE + "\r\n";
    record Case(String name, String request, int expected) {}
    List<Case> cases =
        List.of(
            new Case(
                "te-gzip",
                "POST /te-gzip HTTP/1.1\r\n"
                    + host
                    + "Transfer-Encoding: gzip\r\nConnection: close\r\n\r\nabc",
                400),
            new Case(
                "te-chunked-then-gzip",
                "POST /te-cg HTTP/1.1\r\n"
                    + host
                    + "Transfer-Encoding: chunked, gzip\r\n"
                    + "Connection: close\r\n\r\n"
                    + "3\r\n"
                    + "abc\r\n"
                    + "0\r\n\r\n",
                400),
            new Case(
                "two-hosts",
                "GET /two-hosts HTTP/1.1\r\n"
                    + host
                    + "Host: "
                    + WEB
                    + "\r\nConnection: close\r\n\r\n",
                400),
            new Case(
                "absolute-form-other-authority",
                "GET http://" + WEB + "/abs HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                400),
            new Case(
                "nul-in-target",
                "GET /a\0b HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                400),
            new Case(
                "control-char-in-target",
                "GET /a\u0001b HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                400),
            new Case(
                "del-in-target",
                "GET /a\u007fb HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                400),
            new Case("no-host", "GET /no-host HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
            new Case(
                "connect",
                "CONNECT " + EDGE + ":443 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
                405));
    SoftAssertions soft = new SoftAssertions();
    for (Case c : cases) {
      Http r =
          http1(
              flycast.httpPort,
              c.request().getBytes(StandardCharsets.ISO_8859_1),
              Duration.ofSeconds(5));
      log("v08 " + c.name() + ": " + r.summary());
      soft.assertThat(r.status()).as("%s: got %s", c.name(), r.summary()).isEqualTo(c.expected());
      soft.assertThat(r.body())
          .as("%s reached the backend", c.name())
          .doesNotContain("\"pod\":\"edge-");
    }
    Http h2c =
        http1(
            flycast.httpPort,
            ("GET /upgrade-probe HTTP/1.1\r\n"
                    + host
                    + "Connection: Upgrade, HTTP2-Settings, close\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1),
            Duration.ofSeconds(5));
    log("v08 upgrade-h2c: " + h2c.summary());
    soft.assertThat(h2c.status()).as("Upgrade: h2c is not honoured").isEqualTo(200);
    soft.assertThat(h2c.body().toLowerCase(Locale.ROOT))
        .as("the backend saw the h2c upgrade")
        .contains("\"path\":\"/upgrade-probe\"")
        .doesNotContain("\"upgrade\"", "http2-settings", "h2c");
    soft.assertAll();
    assertBystanderServed("after framing probes");
  }

  @Test
  @Order(9)
  void v09_slowRequestBodiesDoNotTakeEveryBackendSlot() throws Exception {
    // web: 2 backends x hardLimit 25. 100 clients trickle 10 bytes a second of a 64 KiB body.
    Path out = work.resolve("slowbody.out");
    Process attack =
        start(
            withHosts(
                "stdbuf",
                "-oL",
                "slowhttptest",
                "-B",
                "-c",
                "100",
                "-r",
                "100",
                "-i",
                "1",
                "-s",
                "65536",
                "-x",
                "10",
                "-l",
                "12",
                "-p",
                "3",
                "-u",
                "http://" + WEB + ":" + flycast.httpPort + "/slowbody"),
            out);
    List<Integer> probes = new ArrayList<>();
    try {
      // All 100 opened (100 a second), whatever the proxy then did with them; or the tool is done
      // already because the proxy closed every slow connection (its body timeout).
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> slowhttptestSecond(out) >= 2 || !attack.isAlive());
      for (int i = 0; i < 6 && (i == 0 || attack.isAlive()); i++) {
        probes.add(
            http1(
                    flycast.httpPort,
                    get("/during-slow-body-" + i, WEB, true),
                    Duration.ofSeconds(12))
                .status());
      }
    } finally {
      stopTool(attack, Duration.ofSeconds(20));
    }
    log(
        "v09 bystander statuses during slow bodies: "
            + probes
            + "; at_capacity total "
            + metric(
                "flycast_proxy_unavailable_total{reason=\"at_capacity\",route=\"default/web\"}")
            + "\n"
            + toolTail(out));
    assertThat(probes)
        .as("bystander requests while 100 clients trickle POST bodies")
        .isNotEmpty()
        .doesNotContain(503)
        .containsOnly(200);
    assertBystanderServed("after slow bodies");
  }

  @Test
  @Order(10)
  void v10_slowlorisOnHttpAndTlsLeavesOtherClientsServed() throws Exception {
    double https = metric("flycast_proxy_connections_total{listener=\"https\"}");
    int bridge = FlycastProcess.freePort();
    Process socat =
        start(
            List.of(
                "socat",
                "TCP-LISTEN:" + bridge + ",bind=127.0.0.1,reuseaddr,fork",
                "OPENSSL:127.0.0.1:" + flycast.tlsPort + ",verify=0,snihost=" + EDGE),
            work.resolve("socat.out"));
    Path plainOut = work.resolve("slowloris-http.out");
    Path tlsOut = work.resolve("slowloris-tls.out");
    Process plain = null;
    Process tls = null;
    List<String> seen = new ArrayList<>();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(
              () -> {
                try (Socket s = new Socket("127.0.0.1", bridge)) {
                  return true;
                }
              });
      plain =
          start(
              withHosts(
                  "stdbuf",
                  "-oL",
                  "slowhttptest",
                  "-H",
                  "-c",
                  "150",
                  "-r",
                  "150",
                  "-i",
                  "2",
                  "-l",
                  "10",
                  "-p",
                  "3",
                  "-u",
                  "http://" + WEB + ":" + flycast.httpPort + "/slowloris"),
              plainOut);
      tls =
          start(
              withHosts(
                  "stdbuf",
                  "-oL",
                  "slowhttptest",
                  "-H",
                  "-c",
                  "100",
                  "-r",
                  "100",
                  "-i",
                  "2",
                  "-l",
                  "10",
                  "-p",
                  "3",
                  "-u",
                  "http://" + EDGE + ":" + bridge + "/slowloris-tls"),
              tlsOut);
      // Both tools have opened all their connections (one second at -r = -c), or are done already
      // because the proxy's header timeout closed every one of them.
      Process plainTool = plain;
      Process tlsTool = tls;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  (slowhttptestSecond(plainOut) >= 2 || !plainTool.isAlive())
                      && (slowhttptestSecond(tlsOut) >= 2 || !tlsTool.isAlive()));
      log(
          "v10 TLS connections through the bridge: "
              + (metric("flycast_proxy_connections_total{listener=\"https\"}") - https));
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        int s =
            http1(flycast.httpPort, get("/during-slowloris-" + i, WEB, true), Duration.ofSeconds(5))
                .status();
        String h2 = curlH2("/during-slowloris-" + i);
        seen.add(
            s + "/" + h2 + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + "ms");
        assertThat(s).as("HTTP bystander during slowloris").isEqualTo(200);
        assertThat(h2).as("h2 bystander during TLS slowloris").isEqualTo("2 200");
      }
    } finally {
      log(
          "v10 bystanders during slowloris: "
              + seen
              + "\n"
              + toolTail(plainOut)
              + "\n"
              + toolTail(tlsOut));
      if (plain != null) {
        stopTool(plain, Duration.ofSeconds(20));
      }
      if (tls != null) {
        stopTool(tls, Duration.ofSeconds(20));
      }
      socat.destroy();
      socat.waitFor(5, TimeUnit.SECONDS);
    }
    assertBystanderServed("after slowloris");
  }

  // ---------------------------------------------------------------------------------------------
  // TLS configuration and normal load

  @Test
  @Order(11)
  void v11_testsslFindsOnlyForwardSecretAeadSuitesAndNoLucky13() throws Exception {
    Path json = work.resolve("testssl.json");
    Tool t =
        run(
            Duration.ofSeconds(150),
            List.of(
                "testssl",
                "--quiet",
                "--color",
                "0",
                "--warnings",
                "off",
                "--ip",
                "127.0.0.1",
                "--nodns",
                "min",
                "-E",
                "-L",
                "--jsonfile",
                json.toString(),
                EDGE + ":" + flycast.tlsPort));
    JsonNode findings = JSON.readTree(json.toFile());
    List<String> tls12 = new ArrayList<>();
    List<String> old = new ArrayList<>();
    String lucky13 = null;
    for (JsonNode f : findings) {
      String id = f.path("id").asText();
      String finding = f.path("finding").asText();
      String iana = finding.substring(finding.lastIndexOf(' ') + 1);
      if (id.startsWith("cipher-tls1_2_")) {
        tls12.add(iana);
      } else if ((id.startsWith("cipher-tls1_") && !id.startsWith("cipher-tls1_3_"))
          || id.startsWith("cipher-ssl")) {
        old.add(id + " " + iana);
      } else if (id.equals("LUCKY13")) {
        lucky13 = f.path("severity").asText() + ": " + finding;
      }
    }
    log("v11 TLS 1.2 suites " + tls12 + "; older " + old + "; LUCKY13 " + lucky13);
    assertThat(tls12).as("testssl found no TLS 1.2 suite:\n" + t.out()).isNotEmpty();
    assertThat(tls12)
        .as("TLS 1.2 suites: ECDHE/DHE key exchange with AEAD only (Mozilla intermediate)")
        .allMatch(
            s ->
                s.matches(
                    "TLS_(ECDHE|DHE)_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)"));
    assertThat(old).as("SSL, TLS 1.0 and 1.1 suites").isEmpty();
    assertThat(lucky13).as("LUCKY13").startsWith("OK");
    assertBystanderServed("after testssl");
  }

  @Test
  @Order(12)
  void v12_h2loadRunsCleanlyOverHttp2() throws Exception {
    Tool t =
        run(
            Duration.ofSeconds(60),
            List.of(
                "h2load",
                "-n",
                "2000",
                "-c",
                "10",
                "-m",
                "10",
                "--connect-to=127.0.0.1:" + flycast.tlsPort,
                "https://" + EDGE + ":" + flycast.tlsPort + "/h2load"));
    log(
        "v12 "
            + t.out()
                .lines()
                .filter(
                    l ->
                        l.startsWith("finished")
                            || l.startsWith("requests")
                            || l.startsWith("status")
                            || l.startsWith("Application"))
                .toList());
    assertThat(t.out())
        .contains(
            "Application protocol: h2",
            "2000 succeeded, 0 failed, 0 errored, 0 timeout",
            "status codes: 2000 2xx");
  }

  // ---------------------------------------------------------------------------------------------
  // Admin port and DNS

  @Test
  @Order(13)
  void v13_slowlorisOnTheAdminPortDoesNotSlowHealthz() throws Exception {
    Path out = work.resolve("slowloris-admin.out");
    // stdbuf: the tool's once-a-second status lines, not a 4 KiB stdio buffer, reach the file.
    Process attack =
        start(
            List.of(
                "stdbuf",
                "-oL",
                "slowhttptest",
                "-H",
                "-c",
                "600",
                "-r",
                "300",
                "-i",
                "2",
                "-l",
                "10",
                "-p",
                "3",
                "-u",
                "http://127.0.0.1:" + flycast.adminPort + "/healthz"),
            out);
    List<String> probes = new ArrayList<>();
    try {
      // All 600 opened (300 a second), whatever the server then did with them.
      await().atMost(Duration.ofSeconds(10)).until(() -> slowhttptestSecond(out) >= 3);
      log("v13 slowhttptest at second " + slowhttptestSecond(out) + ": " + slowhttptestStatus(out));
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        Http r =
            http1(
                flycast.adminPort,
                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1),
                Duration.ofSeconds(3));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        probes.add(r.summary());
        assertThat(r.status())
            .as("/healthz during 600 slowloris connections: %s", probes)
            .isEqualTo(200);
        assertThat(ms)
            .as("/healthz latency during 600 slowloris connections")
            .isLessThan(HEALTHZ_LATENCY.toMillis());
      }
    } finally {
      log("v13 /healthz during admin slowloris: " + probes + "\n" + toolTail(out));
      stopTool(attack, Duration.ofSeconds(20));
    }
    assertBystanderServed("after admin slowloris");
  }

  /** Shared by v13b and v05b: one run of hardening/netns.sh in a network namespace of our own. */
  static Map<String, String> netns;

  static synchronized Map<String, String> netnsRun() throws Exception {
    if (netns == null) {
      Path state = Files.createTempDirectory("flycast-hardening-netns");
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "unshare",
                  "-n",
                  "bash",
                  hardening.resolve("netns.sh").toString(),
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  FlycastProcess.jar().toString(),
                  state.toString(),
                  FlycastProcess.repo().resolve("examples").toString(),
                  "15"));
      cmd.addAll(tuning);
      Tool t = run(Duration.ofMinutes(2), cmd);
      log("netns.sh:\n" + t.out());
      netns = new LinkedHashMap<>();
      t.out()
          .lines()
          .map(l -> l.split(" ", 2))
          .filter(kv -> kv.length == 2)
          .forEach(kv -> netns.put(kv[0], kv[1]));
    }
    return netns;
  }

  @Test
  @Order(14)
  void v13b_debugCatalogIsRefusedToNonLoopbackClients() throws Exception {
    Map<String, String> r = netnsRun();
    assertThat(r.get("ADMIN_LOOPBACK")).as("/debug/catalog from loopback").isEqualTo("200");
    String[] remote = r.getOrDefault("ADMIN_REMOTE", "000 0").split(" ");
    assertThat(remote[0])
        .as("/debug/catalog from 192.0.2.1 (not loopback): status")
        .isNotEqualTo("200");
    assertThat(remote[1]).as("/debug/catalog from 192.0.2.1: catalog bodies served").isEqualTo("0");
  }

  @Test
  @Order(15)
  void v05b_silentClientsOnDedicatedTlsAndPgTlsPortsAreClosedWithinTheHandshakeTimeout()
      throws Exception {
    JsonNode silent = JSON.readTree(netnsRun().getOrDefault("SILENT", "{}"));
    long bound = handshakeTimeout.plusSeconds(3).toSeconds();
    SoftAssertions soft = new SoftAssertions();
    for (String name : List.of("dedicated-tls", "pg_tls-silent", "pg_tls-after-sslrequest")) {
      soft.assertThat(silent.path(name).isNumber())
          .as("%s: still open after 15s (%s)", name, silent)
          .isTrue();
      soft.assertThat(silent.path(name).asDouble(99))
          .as("%s closed within %ss", name, bound)
          .isLessThanOrEqualTo((double) bound);
    }
    soft.assertAll();
  }

  @Test
  @Order(16)
  void v14_dnsAppsListIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
    // 40 routes with long names: the _apps.internal TXT is ~2.3 KB, past any UDP size we allow.
    List<String> names =
        IntStream.range(0, 40)
            .mapToObj(i -> "dns-amplification-probe-with-a-long-service-name-%02d".formatted(i))
            .toList();
    try (KubernetesClient client = flycast.client()) {
      for (String n : names) {
        client
            .services()
            .inNamespace("default")
            .resource(
                new ServiceBuilder()
                    .withNewMetadata()
                    .withName(n)
                    .withNamespace("default")
                    .addToAnnotations("fly.io/flycast", "true")
                    .endMetadata()
                    .withNewSpec()
                    .addToSelector("app", n)
                    .addNewPort()
                    .withPort(80)
                    .withNewTargetPort(8080)
                    .withProtocol("TCP")
                    .endPort()
                    .endSpec()
                    .build())
            .create();
      }
    }
    String port = Integer.toString(flycast.dnsPort);
    // dig shows the TXT's 255-byte character-strings quoted one by one: "...-03.d" "efault,..."
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        run(
                                Duration.ofSeconds(15),
                                List.of(
                                    "dig",
                                    "@127.0.0.1",
                                    "-p",
                                    port,
                                    "+tcp",
                                    "+short",
                                    "TXT",
                                    "_apps.internal"))
                            .out()
                            .replace("\" \"", ""))
                    .contains(names.stream().map(n -> n + ".default").toList()));
    String classic =
        run(
                Duration.ofSeconds(15),
                List.of(
                    "dig",
                    "@127.0.0.1",
                    "-p",
                    port,
                    "+noedns",
                    "+ignore",
                    "+notcp",
                    "+tries=1",
                    "+time=3",
                    "TXT",
                    "_apps.internal"))
            .out();
    String edns =
        run(
                Duration.ofSeconds(15),
                List.of(
                    "dig",
                    "@127.0.0.1",
                    "-p",
                    port,
                    "+bufsize=4096",
                    "+ignore",
                    "+notcp",
                    "+tries=1",
                    "+time=3",
                    "TXT",
                    "_apps.internal"))
            .out();
    String tcp =
        run(
                Duration.ofSeconds(15),
                List.of(
                    "dig",
                    "@127.0.0.1",
                    "-p",
                    port,
                    "+tcp",
                    "+tries=1",
                    "+time=3",
                    "TXT",
                    "_apps.internal"))
            .out();
    log(
        "v14 UDP (no EDNS) "
            + digSummary(classic)
            + "; UDP (EDNS 4096) "
            + digSummary(edns)
            + "; TCP "
            + digSummary(tcp));
    assertThat(flags(classic)).as("UDP answer without EDNS: TC set\n" + classic).contains("tc");
    assertThat(msgSize(classic)).as("UDP answer without EDNS: bytes").isLessThanOrEqualTo(512);
    assertThat(flags(edns)).as("UDP answer with EDNS 4096: TC set\n" + edns).contains("tc");
    assertThat(msgSize(edns)).as("UDP answer with EDNS 4096: bytes").isLessThanOrEqualTo(1232);
    assertThat(flags(tcp)).as("TCP answer: whole").doesNotContain("tc");
    assertThat(tcp.replace("\" \"", "")).contains(names.stream().map(n -> n + ".default").toList());
    assertBystanderServed("after DNS");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  static void log(String s) {
    System.out.println("[hardening] " + s);
  }

  /** The long flags the jar's --help lists. */
  static Set<String> helpFlags() throws Exception {
    Tool t =
        run(
            Duration.ofSeconds(60),
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                FlycastProcess.jar().toString(),
                "--help"));
    Set<String> flags = new HashSet<>();
    Matcher m = Pattern.compile("--[a-z][a-z0-9-]+").matcher(t.out());
    while (m.find()) {
      flags.add(m.group());
    }
    return flags;
  }

  record Tool(int exit, String out) {}

  /**
   * Runs a command to its end (output and errors together), failing the test if it outlives {@code
   * timeout}.
   */
  static Tool run(Duration timeout, List<String> cmd) throws Exception {
    Path out = Files.createTempFile(work, "tool", ".out");
    Process p = start(cmd, out);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail(cmd + " still running after " + timeout + ":\n" + Files.readString(out));
    }
    String text = Files.readString(out);
    Files.delete(out);
    return new Tool(p.exitValue(), text);
  }

  /** Every tool started, for the shutdown hook. */
  static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static Process start(List<String> cmd, Path out) throws IOException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    STARTED.removeIf(x -> !x.isAlive());
    STARTED.add(p);
    return p;
  }

  /** Waits for a tool that stops by itself (its -l), then ends it if it has not. */
  static void stopTool(Process p, Duration grace) throws InterruptedException {
    if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * The command in a mount namespace whose /etc/hosts names the routes (the host's is untouched).
   */
  static List<String> withHosts(String... cmd) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "unshare",
                "-m",
                "sh",
                "-c",
                "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
                hosts.toString()));
    all.addAll(Arrays.asList(cmd));
    return all;
  }

  static String toolTail(Path out) throws IOException {
    if (!Files.exists(out)) {
      return "";
    }
    List<String> lines =
        Files.readString(out)
            .replaceAll("\u001b\\[[0-9;]*[a-zA-Z]", "")
            .lines()
            .filter(l -> !l.isBlank())
            .toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 9), lines.size()));
  }

  /** The second of slowhttptest's last status block (-1 before the first). */
  static int slowhttptestSecond(Path out) throws IOException {
    int second = -1;
    Matcher x =
        Pattern.compile("slow HTTP test status on (\\d+)")
            .matcher(Files.readString(out).replaceAll("\u001b\\[[0-9;]*[a-zA-Z]", ""));
    while (x.find()) {
      second = Integer.parseInt(x.group(1));
    }
    return second;
  }

  /** The counters of slowhttptest's last complete status block. */
  static Map<String, Integer> slowhttptestStatus(Path out) throws IOException {
    String text = Files.readString(out).replaceAll("\u001b\\[[0-9;]*[a-zA-Z]", "");
    int at = text.lastIndexOf("slow HTTP test status on");
    Map<String, Integer> m = new LinkedHashMap<>();
    if (at < 0) {
      return m;
    }
    Matcher x =
        Pattern.compile("(initializing|pending|connected|error|closed):\\s+(\\d+)")
            .matcher(text.substring(at));
    while (x.find()) {
      m.put(x.group(1), Integer.parseInt(x.group(2)));
    }
    return m.size() == 5 ? m : Map.of();
  }

  static JsonNode h2probe(String mode, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/python3",
                hardening.resolve("h2probe.py").toString(),
                mode,
                "--port",
                Integer.toString(flycast.tlsPort),
                "--host",
                EDGE));
    cmd.addAll(Arrays.asList(args));
    Tool t = run(Duration.ofSeconds(60), cmd);
    assertThat(t.exit()).as("h2probe %s failed:\n%s", mode, t.out()).isZero();
    return JSON.readTree(lastLine(t.out()));
  }

  static String lastLine(String s) {
    List<String> lines = s.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  /**
   * HTTP version and status of one h2 request to the edge route through the shared TLS listener.
   */
  static String curlH2(String path) throws Exception {
    return run(
            Duration.ofSeconds(20),
            List.of(
                "curl",
                "-sk",
                "--http2",
                "--max-time",
                "10",
                "-o",
                "/dev/null",
                "-w",
                "%{http_version} %{http_code}",
                "--resolve",
                EDGE + ":" + flycast.tlsPort + ":127.0.0.1",
                "https://" + EDGE + ":" + flycast.tlsPort + path))
        .out()
        .trim();
  }

  /** The status of a plain GET to the web example through the shared HTTP listener. */
  static int bystander() throws IOException {
    return http1(flycast.httpPort, get("/bystander", WEB, true), Duration.ofSeconds(10)).status();
  }

  static void assertBystanderServed(String when) {
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(bystander()).as("bystander GET %s", when).isEqualTo(200));
  }

  static byte[] get(String path, String host, boolean close) {
    return ("GET "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\n"
            + (close ? "Connection: close\r\n" : "")
            + "\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] repeat(byte[] one, int n) {
    byte[] all = new byte[one.length * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(one, 0, all, i * one.length, one.length);
    }
    return all;
  }

  /** One response read off a raw connection: its status, {@link #CLOSED} or {@link #TIMEOUT}. */
  record Http(int status, String head, String body, long millis) {
    static final int CLOSED = -1;
    static final int TIMEOUT = -2;

    boolean timedOut() {
      return status == TIMEOUT;
    }

    String summary() {
      String s =
          status == CLOSED
              ? "closed without a response"
              : status == TIMEOUT ? "no response (timeout)" : "HTTP " + status;
      return s
          + " after "
          + millis
          + "ms"
          + (body.isEmpty() ? "" : ": " + body.substring(0, Math.min(160, body.length())));
    }
  }

  /**
   * Sends raw bytes and reads one response (by Content-Length, chunked, or to close), bounded by
   * {@code timeout}.
   */
  static Http http1(int port, byte[] request, Duration timeout) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout((int) timeout.toMillis());
      try {
        s.getOutputStream().write(request);
      } catch (IOException e) {
        return new Http(Http.CLOSED, "", "", millis(t0));
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try {
        int headEnd = -1;
        while (headEnd < 0) {
          int b = in.read();
          if (b < 0) {
            return buf.size() == 0
                ? new Http(Http.CLOSED, "", "", millis(t0))
                : new Http(Http.CLOSED, buf.toString(StandardCharsets.ISO_8859_1), "", millis(t0));
          }
          buf.write(b);
          String sofar = buf.toString(StandardCharsets.ISO_8859_1);
          if (sofar.endsWith("\r\n\r\n")) {
            headEnd = buf.size();
          }
        }
        String head = buf.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        String lower = head.toLowerCase(Locale.ROOT);
        Matcher cl = Pattern.compile("\r\ncontent-length:\\s*(\\d+)").matcher(lower);
        byte[] body;
        if (cl.find()) {
          body = in.readNBytes(Integer.parseInt(cl.group(1)));
        } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
          body = readChunked(in);
        } else if (status == 204 || status == 304 || status / 100 == 1) {
          body = new byte[0];
        } else {
          body = in.readAllBytes();
        }
        return new Http(status, head, new String(body, StandardCharsets.UTF_8), millis(t0));
      } catch (SocketTimeoutException e) {
        return new Http(Http.TIMEOUT, buf.toString(StandardCharsets.ISO_8859_1), "", millis(t0));
      } catch (IOException e) { // reset by the proxy
        return new Http(Http.CLOSED, buf.toString(StandardCharsets.ISO_8859_1), "", millis(t0));
      }
    }
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int i = 0; i < 10_000; i++) {
      String line = readLine(in);
      int size = Integer.parseInt(line.split(";")[0].trim(), 16);
      if (size == 0) {
        while (!readLine(in).isEmpty()) {
          // trailers
        }
        break;
      }
      body.write(in.readNBytes(size));
      readLine(in);
    }
    return body.toByteArray();
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  private static long millis(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** The value of one series of the admin /metrics (0 when absent). */
  static double metric(String series) throws IOException {
    Http r =
        http1(
            flycast.adminPort,
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1),
            Duration.ofSeconds(10));
    assertThat(r.status()).as("admin /metrics: %s", r.summary()).isEqualTo(200);
    return r.body()
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElse(0);
  }

  static double edgeRequests(String status) throws IOException {
    return metric(
        "flycast_proxy_http_requests_total{route=\"default/edge\",status=\"" + status + "\"}");
  }

  /** The address of the first backend of a route, from /debug/catalog. */
  static String backendAddress(String route) throws IOException {
    for (JsonNode r : JSON.readTree(flycast.get("/debug/catalog").body()).get("routes")) {
      if (route.equals(r.path("name").asText()) && r.path("backends").size() > 0) {
        return r.get("backends").get(0).get("address").asText();
      }
    }
    throw new AssertionError("no backend for route " + route);
  }

  /**
   * The proxy's TCP sockets (any state, TIME-WAIT included) to a backend address, by local port.
   */
  static Set<String> backendSockets(String address) throws Exception {
    Set<String> ports = new HashSet<>();
    for (String line :
        run(Duration.ofSeconds(15), List.of("ss", "-Htan", "dst", address))
            .out()
            .lines()
            .toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 5) {
        ports.add(f[3]);
      }
    }
    return ports;
  }

  /** Heap in use right after a full GC of the proxy's JVM, from jcmd. */
  static long heapUsedAfterGc() throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    String pid = Long.toString(flycast.process.pid());
    run(Duration.ofSeconds(30), List.of(jcmd, pid, "GC.run"));
    String info = run(Duration.ofSeconds(30), List.of(jcmd, pid, "GC.heap_info")).out();
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    assertThat(m.find()).as("jcmd GC.heap_info: " + info).isTrue();
    return Long.parseLong(m.group(1)) * 1024;
  }

  static String flags(String dig) {
    Matcher m = Pattern.compile(";; flags: ([a-z ]+);").matcher(dig);
    return m.find() ? m.group(1) : "";
  }

  static int msgSize(String dig) {
    Matcher m = Pattern.compile("MSG SIZE\\s+rcvd: (\\d+)").matcher(dig);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  static String digSummary(String dig) {
    return "flags [" + flags(dig) + "] " + msgSize(dig) + " bytes";
  }
}
