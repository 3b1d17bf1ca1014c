package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /admin/cache/purge?route=ns/name}: the one admin path that changes something. It
 * takes POST only, answers whoever may read the protected paths (loopback, or the admin token), and
 * no browser: a cross-site form post to 127.0.0.1 carries an Origin.
 */
class AdminCachePurgeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final TestAdmin fixture = new TestAdmin();

  private static String post(String target, String... headers) {
    StringBuilder sb =
        new StringBuilder(
            "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  @Test
  void aLoopbackClientPurgesARoute() throws Exception {
    try (AdminServer admin = fixture.startOnLoopback()) {
      RawClient.Response ok =
          RawClient.exchange(admin.address(), post("/admin/cache/purge?route=shop/web"), TIMEOUT);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("purged shop/web\n");
      RawClient.Response none =
          RawClient.exchange(admin.address(), post("/admin/cache/purge?route=shop/api"), TIMEOUT);
      assertThat(none.status()).isEqualTo(404);
      assertThat(none.body()).contains("no cached responses for shop/api");
      RawClient.Response bad =
          RawClient.exchange(admin.address(), post("/admin/cache/purge?route=web"), TIMEOUT);
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.body()).contains("namespace/name");
      assertThat(fixture.purged).containsExactly("shop/web", "shop/api");
    }
  }

  @Test
  void onlyPostAndNotFromABrowser() throws Exception {
    try (AdminServer admin = fixture.startOnLoopback()) {
      RawClient.Response get =
          RawClient.exchange(
              admin.address(), RawClient.get("/admin/cache/purge?route=shop/web"), TIMEOUT);
      assertThat(get.status()).isEqualTo(405);
      assertThat(get.header("allow")).isEqualTo("POST");
      RawClient.Response postElsewhere =
          RawClient.exchange(admin.address(), post("/debug/catalog"), TIMEOUT);
      assertThat(postElsewhere.status()).isEqualTo(405);
      RawClient.Response browser =
          RawClient.exchange(
              admin.address(),
              post("/admin/cache/purge?route=shop/web", "Origin: https://evil.example"),
              TIMEOUT);
      assertThat(browser.status()).isEqualTo(403);
      assertThat(fixture.purged).isEmpty();
    }
  }

  @Test
  void fromAnotherAddressTheAdminTokenIsNeeded() throws Exception {
    AdminAccess access = AdminAccess.withLocalClients(AdminToken.of("s3cret"), a -> false);
    try (AdminServer admin = fixture.startOnLoopback(access, AdminLimits.DEFAULT)) {
      RawClient.Response anonymous =
          RawClient.exchange(admin.address(), post("/admin/cache/purge?route=shop/web"), TIMEOUT);
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(fixture.purged).isEmpty();
      RawClient.Response withToken =
          RawClient.exchange(
              admin.address(),
              post("/admin/cache/purge?route=shop/web", "Authorization: Bearer s3cret"),
              TIMEOUT);
      assertThat(withToken.status()).isEqualTo(200);
      assertThat(fixture.purged).containsExactly("shop/web");
    }
  }
}
