package io.flycast.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  @Test
  void parsesTheCrdDurationUnits() {
    assertThat(HealthCheck.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(HealthCheck.parseDuration("15s")).isEqualTo(Duration.ofSeconds(15));
    assertThat(HealthCheck.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(HealthCheck.parseDuration("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsWhatTheCrdPatternRejects() {
    for (String bad : new String[] {"", "15", "1h", "1.5s", "-1s", "s", "15 s", "99999999999999999999s"}) {
      assertThatThrownBy(() -> HealthCheck.parseDuration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> HealthCheck.parseDuration(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void defaultsMethodPathAndHeaders() {
    HealthCheck c = new HealthCheck(HealthCheck.Kind.HTTP, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ZERO, "get", null, null, 8080);
    assertThat(c.method()).isEqualTo("GET");
    assertThat(c.path()).isEqualTo("/");
    assertThat(c.headers()).isEmpty();
  }

  @Test
  void oldRouteSpecConstructorMeansNoChecks() {
    RouteSpec s = new RouteSpec(new RouteKey("ns", "a"), java.net.InetAddress.getLoopbackAddress(),
        java.util.List.of(), java.util.List.of(), Concurrency.DEFAULT, Autoscale.DEFAULT, false, "ns", null);
    assertThat(s.checks()).isEmpty();
  }
}
