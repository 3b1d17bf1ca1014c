package io.flycast.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.proxy.TestRoutes;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlyHeadersTest {
  private static final FlyHeaders.ClientInfo CLIENT =
      new FlyHeaders.ClientInfo(TestRoutes.ip("2001:db8::7"), 443, true);

  /**
   * A request with these headers (name, value, ...), rewritten for the backend as the proxy does.
   */
  private static HttpRequest prepared(String zone, String requestId, String... headers) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    FlyHeaders.prepareRequest(
        r, FlyHeaders.isUpgrade(r), CLIENT, zone, requestId, FlyHeaders.viaValue("flycast"));
    return r;
  }

  @Test
  void tlsClientOverIpv6() {
    HttpRequest r =
        prepared("fra", "id-1", "X-Forwarded-For", "10.0.0.1", "X-Forwarded-For", "10.0.0.2");
    assertThat(r.headers().get("Fly-Client-IP")).isEqualTo("2001:db8:0:0:0:0:0:7");
    assertThat(r.headers().get("X-Forwarded-For"))
        .isEqualTo("10.0.0.1, 10.0.0.2, 2001:db8:0:0:0:0:0:7");
    assertThat(r.headers().get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(r.headers().get("X-Forwarded-SSL")).isEqualTo("on");
    assertThat(r.headers().get("Fly-Forwarded-Port")).isEqualTo("443");
    assertThat(r.headers().get("Fly-Region")).isEqualTo("fra");
    assertThat(r.headers().get("Fly-Request-Id")).isEqualTo("id-1");
  }

  @Test
  void stripsHopByHopButKeepsUpgradeAndChunkedFraming() {
    HttpRequest r =
        prepared(
            "fra",
            "id",
            "Connection",
            "Upgrade, X-Private",
            "Upgrade",
            "websocket",
            "X-Private",
            "1",
            "Keep-Alive",
            "timeout=5",
            "TE",
            "trailers",
            "Transfer-Encoding",
            "chunked");
    assertThat(r.headers().get("Connection")).isEqualTo("upgrade");
    assertThat(r.headers().get("Upgrade")).isEqualTo("websocket");
    assertThat(r.headers().contains("X-Private")).isFalse();
    assertThat(r.headers().contains("Keep-Alive")).isFalse();
    assertThat(r.headers().contains("TE")).isFalse();
    assertThat(r.headers().get("Transfer-Encoding")).isEqualTo("chunked");
  }

  @Test
  void clientSuppliedFlyHeadersAreReplacedWhateverTheirCase() {
    HttpRequest r =
        prepared(
            "fra",
            "id-2",
            "fly-client-ip",
            "6.6.6.6",
            "FLY-REGION",
            "evil",
            "fly-request-id",
            "forged",
            "x-forwarded-proto",
            "gopher",
            "X-Forwarded-Port",
            "1",
            "Host",
            "web");
    assertThat(r.headers().getAll("Fly-Client-IP")).containsExactly("2001:db8:0:0:0:0:0:7");
    assertThat(r.headers().getAll("Fly-Region")).containsExactly("fra");
    assertThat(r.headers().getAll("Fly-Request-Id")).containsExactly("id-2");
    assertThat(r.headers().getAll("X-Forwarded-Proto")).containsExactly("https");
    assertThat(r.headers().getAll("X-Forwarded-Port")).containsExactly("443");
    assertThat(r.headers().get("Host")).isEqualTo("web");
  }

  @Test
  void withoutAZoneAClientsFlyRegionIsDropped() {
    HttpRequest r = prepared(null, "id-4", "Fly-Region", "evil");
    assertThat(r.headers().contains("Fly-Region")).isFalse();
  }

  @Test
  void aForwardingHeaderNamedInConnectionIsDroppedNotJoined() {
    // "Connection: X-Forwarded-For, Via" makes both hop-by-hop: the client's values must not reach
    // the backend, only the proxy's own.
    HttpRequest r =
        prepared(
            "fra",
            "id-3",
            "Connection",
            "X-Forwarded-For, Via",
            "X-Forwarded-For",
            "10.0.0.1",
            "Via",
            "1.1 spoof");
    assertThat(r.headers().getAll("X-Forwarded-For")).containsExactly("2001:db8:0:0:0:0:0:7");
    assertThat(r.headers().getAll("Via")).containsExactly("1.1 flycast");
    assertThat(r.headers().contains("Connection")).isFalse();
  }

  @Test
  void responseGetsRequestIdViaAndRouteHeaders() {
    HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    resp.headers().add("Via", "1.1 backend-cache").add("Keep-Alive", "timeout=5");
    FlyHeaders.prepareResponse(
        resp,
        "id-9",
        FlyHeaders.viaValue("flycast"),
        Map.of("Strict-Transport-Security", "max-age=1"));
    assertThat(resp.headers().get("Fly-Request-Id")).isEqualTo("id-9");
    assertThat(resp.headers().get("Via")).isEqualTo("1.1 backend-cache, 1.1 flycast");
    assertThat(resp.headers().get("Strict-Transport-Security")).isEqualTo("max-age=1");
    assertThat(resp.headers().contains("Keep-Alive")).isFalse();
  }

  @Test
  void requestIdsAreUniqueAndCarryTheZone() {
    String a = FlyHeaders.newRequestId("fra");
    String b = FlyHeaders.newRequestId("fra");
    assertThat(a).isNotEqualTo(b).endsWith("-fra");
  }
}
