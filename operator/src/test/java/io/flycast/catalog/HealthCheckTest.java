package io.flycast.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  @Test
  void defaultsMethodPathAndHeaders() {
    HealthCheck c =
        new HealthCheck(
            HealthCheck.Kind.HTTP,
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ZERO,
            "get",
            null,
            null,
            8080);
    assertThat(c.method()).isEqualTo("GET");
    assertThat(c.path()).isEqualTo("/");
    assertThat(c.headers()).isEmpty();
  }

  @Test
  void oldRouteSpecConstructorMeansNoChecks() {
    RouteSpec s =
        RouteSpec.builder(new RouteKey("ns", "a"), java.net.InetAddress.getLoopbackAddress())
            .network("ns")
            .build();
    assertThat(s.checks()).isEmpty();
  }
}
