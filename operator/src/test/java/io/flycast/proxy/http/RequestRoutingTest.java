package io.flycast.proxy.http;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.EchoHttpBackend;
import io.flycast.proxy.ProxyFixture;
import io.flycast.proxy.RawHttp;
import io.flycast.proxy.TestRoutes;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fly-force-*} and {@code fly-prefer-*} request headers choose the backend. Two real
 * backends echo their name: "near" in the proxy's zone (the balancer's natural choice) and "far".
 */
class RequestRoutingTest {
  private static final RouteKey KEY = new RouteKey("shop", "web");
  private static final String HOST = "web.shop.flycast";

  private ProxyFixture fx;
  private EchoHttpBackend near;
  private EchoHttpBackend far;

  @BeforeEach
  void setUp() throws Exception {
    fx = new ProxyFixture();
    EchoHttpBackend.Pair pair = EchoHttpBackend.pair("near", "far", "127.0.0.2");
    near = pair.first();
    far = pair.second();
    fx.store.putSpec(
        TestRoutes.spec(
            KEY,
            "127.0.0.1",
            List.of(),
            List.of(TestRoutes.httpPort(TestRoutes.freePort(), near.port()))));
    backends(backend("near", "127.0.0.1", "test"), backend("far", "127.0.0.2", "far"));
  }

  @AfterEach
  void tearDown() {
    fx.close();
    near.close();
    far.close();
  }

  private void backends(Backend... bs) {
    fx.store.putBackends(KEY, List.of(bs));
  }

  private RawHttp.Response get(String... headers) throws Exception {
    try (RawHttp c = new RawHttp(fx.httpPort())) {
      return c.get(HOST, "/", headers);
    }
  }

  @Test
  void withoutHeadersTheLocalZoneServes() throws Exception {
    assertThat(get().header("x-backend")).isEqualTo("near");
  }

  @Test
  void forceInstanceGoesThereAndIsForwarded() throws Exception {
    RawHttp.Response r = get("fly-force-instance-id: far");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-backend")).isEqualTo("far");
    assertThat(r.body()).contains("fly-force-instance-id: far");
  }

  @Test
  void forceInstanceThatIsNotABackendGets503NamingIt() throws Exception {
    RawHttp.Response r = get("fly-force-instance-id: gone-1");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body()).contains("gone-1").contains("not a ready backend");
    assertThat(near.requests.get() + far.requests.get()).isZero();
  }

  @Test
  void forceInstanceThatIsNotReadyGets503() throws Exception {
    backends(
        backend("near", "127.0.0.1", "test"),
        new Backend("far", TestRoutes.ip("127.0.0.2"), "far", false, true, false));
    RawHttp.Response r = get("fly-force-instance-id: far");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body()).contains("'far'");
  }

  @Test
  void preferInstanceGoesThereWhenItCan() throws Exception {
    assertThat(get("fly-prefer-instance-id: far").header("x-backend")).isEqualTo("far");
  }

  @Test
  void preferInstanceThatCannotServeFallsBack() throws Exception {
    assertThat(get("fly-prefer-instance-id: gone-1").header("x-backend")).isEqualTo("near");
    far.close(); // connect refused: preferred, but not available
    assertThat(get("fly-prefer-instance-id: far").header("x-backend")).isEqualTo("near");
  }

  @Test
  void forceRegion() throws Exception {
    assertThat(get("fly-force-region: far").header("x-backend")).isEqualTo("far");
    RawHttp.Response r = get("fly-force-region: mars");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.body()).contains("region 'mars'");
  }

  @Test
  void preferRegion() throws Exception {
    assertThat(get("fly-prefer-region: far").header("x-backend")).isEqualTo("far");
    assertThat(get("fly-prefer-region: mars").header("x-backend")).isEqualTo("near");
  }

  @Test
  void parsesHeaders() {
    var h =
        new io.netty.handler.codec.http.DefaultHttpHeaders()
            .add("fly-prefer-region", "ams, fra")
            .add("fly-force-instance-id", "web-1");
    assertThat(RequestRouting.of(h)).isEqualTo(new RequestRouting("web-1", null, null, "ams"));
    assertThat(RequestRouting.of(new io.netty.handler.codec.http.DefaultHttpHeaders()))
        .isSameAs(RequestRouting.NONE);
  }
}
