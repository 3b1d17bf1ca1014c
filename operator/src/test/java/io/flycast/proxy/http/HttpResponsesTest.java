package io.flycast.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.proxy.ProxyFixture;
import io.flycast.proxy.RawHttp;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Responses the proxy writes itself carry {@code X-Content-Type-Options: nosniff}: some echo what
 * the client sent (the 404 names the Host header), and a browser that sniffed such a text/plain
 * body as HTML would run a script an attacker put in the Host.
 */
class HttpResponsesTest {
  @Test
  void unknownHostPageIsNotSniffed() throws Exception {
    try (ProxyFixture fx = new ProxyFixture();
        RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response r = c.get("nothing-here.example.com", "/");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).contains("nothing-here.example.com");
      assertThat(r.header("content-type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
    }
  }

  @Test
  void aHostThatIsNoHostNameIsRefusedWithoutBeingEchoed() throws Exception {
    try (ProxyFixture fx = new ProxyFixture();
        RawHttp c = new RawHttp(fx.httpPort())) {
      RawHttp.Response r = c.get("<script>alert(1)</script>.example.com", "/");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).doesNotContain("<script>");
      assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
    }
  }

  @Test
  void everyLocalResponseIsNotSniffed() {
    List<FullHttpResponse> all =
        List.of(
            HttpResponses.text(HttpResponseStatus.BAD_GATEWAY, "x", true),
            HttpResponses.unavailable("x", 1, false),
            HttpResponses.redirect("https://example.com/", true));
    for (FullHttpResponse r : all) {
      assertThat(r.headers().get("X-Content-Type-Options"))
          .as("%s", r.status())
          .isEqualTo("nosniff");
      r.release();
    }
  }
}
