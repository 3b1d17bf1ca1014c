package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogJsonChecksTest {
  @Test
  void rendersChecksOnlyWhenARouteHasSome() {
    CatalogStore store = new CatalogStore();
    InetAddress a = InetAddress.getLoopbackAddress();
    store.putSpec(
        RouteSpec.builder(new RouteKey("ns", "plain"), a)
            .ports(List.of(PortSpec.tcp(80, 8080)))
            .network("ns")
            .build());
    assertThat(CatalogJson.render(store.current())).doesNotContain("checks");
    HealthCheck http =
        new HealthCheck(
            HealthCheck.Kind.HTTP,
            Duration.ofSeconds(10),
            Duration.ofMillis(500),
            Duration.ZERO,
            "GET",
            "/health",
            Map.of(),
            8080);
    store.putSpec(
        RouteSpec.builder(new RouteKey("ns", "checked"), a)
            .ports(List.of(PortSpec.tcp(81, 8080)))
            .network("ns")
            .checks(List.of(http))
            .build());
    assertThat(CatalogJson.render(store.current()))
        .contains(
            "\"checks\":[{\"type\":\"http\",\"port\":8080,\"interval\":\"10000ms\",\"timeout\":\"500ms\","
                + "\"gracePeriod\":\"0ms\",\"method\":\"GET\",\"path\":\"/health\"}]");
  }
}
