package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RouteKey;
import io.flycast.dns.DnsNames.FlycastService;
import io.flycast.dns.DnsNames.InternalApps;
import io.flycast.dns.DnsNames.InternalNearest;
import io.flycast.dns.DnsNames.InternalService;
import io.flycast.dns.DnsNames.InternalVms;
import io.flycast.dns.DnsNames.InternalZone;
import io.flycast.dns.DnsNames.Other;
import io.flycast.dns.DnsNames.Outside;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsNamesTest {
  private static final RouteKey WEB = new RouteKey("default", "web");

  @Test
  void flycastService() {
    assertThat(DnsNames.parse("web.default.flycast")).isEqualTo(new FlycastService(WEB));
    assertThat(DnsNames.parse("web.default.flycast.")).isEqualTo(new FlycastService(WEB));
    assertThat(DnsNames.parse("WEB.Default.FlyCast.")).isEqualTo(new FlycastService(WEB));
  }

  @Test
  void internalForms() {
    assertThat(DnsNames.parse("web.default.internal.")).isEqualTo(new InternalService(WEB));
    assertThat(DnsNames.parse("Zone-A.web.default.internal"))
        .isEqualTo(new InternalZone("zone-a", WEB));
    assertThat(DnsNames.parse("vms.web.default.internal")).isEqualTo(new InternalVms(WEB));
    assertThat(DnsNames.parse("top3.nearest.of.web.default.internal."))
        .isEqualTo(new InternalNearest(3, WEB));
    assertThat(DnsNames.parse("TOP12.Nearest.Of.web.default.internal"))
        .isEqualTo(new InternalNearest(12, WEB));
    assertThat(DnsNames.parse("_apps.internal.")).isEqualTo(new InternalApps());
    assertThat(DnsNames.parse("_APPS.INTERNAL")).isEqualTo(new InternalApps());
  }

  @Test
  void badTopNIsJustAnUnknownName() {
    assertThat(DnsNames.parse("top0.nearest.of.web.default.internal")).isInstanceOf(Other.class);
    assertThat(DnsNames.parse("top.nearest.of.web.default.internal")).isInstanceOf(Other.class);
    assertThat(DnsNames.parse("top99999.nearest.of.web.default.internal"))
        .isInstanceOf(Other.class);
    assertThat(DnsNames.parse("top2.closest.of.web.default.internal")).isInstanceOf(Other.class);
  }

  @Test
  void otherNamesInsideOurZones() {
    assertThat(DnsNames.parse("flycast.")).isEqualTo(new Other("flycast", List.of()));
    assertThat(DnsNames.parse("default.flycast"))
        .isEqualTo(new Other("flycast", List.of("default")));
    assertThat(DnsNames.parse("a.web.default.flycast"))
        .isEqualTo(new Other("flycast", List.of("a", "web", "default")));
    assertThat(DnsNames.parse("web..flycast")).isInstanceOf(Other.class);
    assertThat(DnsNames.parse("nearest.of.web.default.internal"))
        .isEqualTo(new Other("internal", List.of("nearest", "of", "web", "default")));
  }

  @Test
  void outsideOurZones() {
    assertThat(DnsNames.parse("example.com.")).isInstanceOf(Outside.class);
    assertThat(DnsNames.parse(".")).isInstanceOf(Outside.class);
    assertThat(DnsNames.parse("")).isInstanceOf(Outside.class);
    assertThat(DnsNames.parse("web.default.flycast.example.com")).isInstanceOf(Outside.class);
    assertThat(DnsNames.parse("internal.evil.")).isInstanceOf(Outside.class);
  }
}
