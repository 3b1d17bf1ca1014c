package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * {@code /peer/load} answers replicas only: its numbers steer autostop and the cordons it carries
 * change where traffic goes, so neither loopback nor the admin token opens it.
 */
class PeerAccessTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void onlyThePeerTokenOpensPeerPaths() {
    AdminAccess access =
        AdminAccess.loopbackOrToken(AdminToken.of("admin-secret"))
            .withPeerToken(AdminToken.of("peer-secret"));
    assertThat(access.refusal("/peer/load", LOOPBACK, "127.0.0.1", null))
        .as("loopback alone")
        .hasValueSatisfying(r -> assertThat(r.status().code()).isEqualTo(401));
    assertThat(access.refusal("/peer/load", LOOPBACK, "127.0.0.1", "Bearer admin-secret"))
        .as("the admin token")
        .isPresent();
    assertThat(access.refusal("/peer/load", LOOPBACK, "127.0.0.1", "Bearer wrong")).isPresent();
    assertThat(access.refusal("/peer/load", LOOPBACK, "127.0.0.1", "Bearer peer-secret")).isEmpty();
    assertThat(access.refusal("/debug/catalog", LOOPBACK, "127.0.0.1", "Bearer peer-secret"))
        .as("the peer token opens nothing else, but loopback still does here")
        .isEmpty();
  }

  @Test
  void withoutAPeerTokenNobodyReadsPeerPaths() {
    AdminAccess access = AdminAccess.loopbackOnly();
    assertThat(access.refusal("/peer/load", LOOPBACK, "127.0.0.1", "Bearer anything")).isPresent();
  }
}
