package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the admin port answers, to probes, Prometheus, people, and requests it will not take. */
class AdminServerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final TestAdmin fixture = new TestAdmin();
  private AdminServer admin;

  @BeforeEach
  void start() {
    admin = fixture.startOnLoopback();
  }

  @AfterEach
  void stop() {
    admin.close();
  }

  private RawClient.Response send(String request) throws Exception {
    return RawClient.exchange(admin.address(), request, TIMEOUT);
  }

  @Test
  void healthzAndReadyz() throws Exception {
    assertThat(send(RawClient.get("/healthz")).body()).isEqualTo("ok\n");
    assertThat(send(RawClient.get("/readyz")).status()).isEqualTo(200);
    fixture.ready.set(false);
    RawClient.Response notReady = send(RawClient.get("/readyz"));
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.body())
        .contains("not ready", "informers syncing, catalog not built, or the proxy not listening");
  }

  @Test
  void metricsFormatFollowsAccept() throws Exception {
    RawClient.Response text = send(RawClient.get("/metrics"));
    assertThat(text.status()).isEqualTo(200);
    assertThat(text.header("content-type")).startsWith("text/plain; version=0.0.4");
    assertThat(text.body()).contains(TestAdmin.METRIC + " 1.0");

    RawClient.Response open =
        send(RawClient.get("/metrics", "Accept: application/openmetrics-text; version=1.0.0"));
    assertThat(open.header("content-type")).startsWith("application/openmetrics-text");
    assertThat(open.body()).endsWith("# EOF\n");
  }

  @Test
  void debugEndpointsAndTheStatusPage() throws Exception {
    RawClient.Response catalog = send(RawClient.get("/debug/catalog"));
    assertThat(catalog.header("content-type")).isEqualTo("application/json");
    assertThat(catalog.body()).isEqualTo(TestAdmin.CATALOG);
    assertThat(send(RawClient.get("/debug/stats")).body()).startsWith("{").contains("\"routes\"");
    RawClient.Response page = send(RawClient.get("/"));
    assertThat(page.header("content-type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.body()).contains("<html", "/debug/catalog");
  }

  @Test
  void unknownPathGets404ListingThePaths() throws Exception {
    RawClient.Response r = send(RawClient.get("/nope"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body())
        .contains("/healthz", "/readyz", "/metrics", "/debug/catalog", "/debug/stats");
  }

  @Test
  void everyAnswerForbidsSniffingAndCaching() throws Exception {
    for (String request :
        List.of(
            RawClient.get("/healthz"),
            RawClient.get("/debug/catalog"),
            RawClient.get("/"),
            RawClient.get("/nope"),
            "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")) {
      RawClient.Response r = send(request);
      assertThat(r.header("x-content-type-options")).as(request).isEqualTo("nosniff");
      assertThat(r.header("cache-control")).as(request).isEqualTo("no-store");
    }
  }

  @Test
  void otherMethodsGet405WithAllow() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
      RawClient.Response r =
          send(method + " /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
      assertThat(r.status()).as(method).isEqualTo(405);
      assertThat(r.header("allow")).isEqualTo("GET, HEAD");
    }
  }

  @Test
  void headAnswersTheGetHeadersWithoutABody() throws Exception {
    try (RawClient c = new RawClient(admin.address())) {
      RawClient.Response head =
          c.send("HEAD /debug/catalog HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length"))
          .isEqualTo(String.valueOf(TestAdmin.CATALOG.length()));
      // No body bytes came: the next answer on the connection starts right away.
      assertThat(c.send(RawClient.get("/healthz")).read().body()).isEqualTo("ok\n");
    }
  }

  @Test
  void oversizedHeadersGet431AndTheConnectionCloses() throws Exception {
    try (RawClient c = new RawClient(admin.address())) {
      RawClient.Response r = c.send(RawClient.get("/healthz", "X-Big: " + "a".repeat(9000))).read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void requestLineOver4KiBGets414() throws Exception {
    assertThat(send(RawClient.get("/healthz?" + "a".repeat(5000))).status()).isEqualTo(414);
  }

  @Test
  void aRequestBodyGets413AndTheConnectionCloses() throws Exception {
    try (RawClient c = new RawClient(admin.address())) {
      RawClient.Response r =
          c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789")
              .read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderThoughSomeRenderElsewhere() throws Exception {
    try (RawClient c = new RawClient(admin.address())) {
      c.send(
          RawClient.get("/metrics")
              + RawClient.get("/healthz")
              + RawClient.get("/debug/catalog")
              + RawClient.get("/readyz"));
      assertThat(c.read().body()).contains(TestAdmin.METRIC);
      assertThat(c.read().body()).isEqualTo("ok\n");
      assertThat(c.read().body()).isEqualTo(TestAdmin.CATALOG);
      assertThat(c.read().body()).isEqualTo("ready\n");
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (RawClient c = new RawClient(admin.address())) {
      RawClient.Response r = c.send(RawClient.get("/healthz", "Connection: close")).read();
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByServer()).isTrue();
    }
  }
}
