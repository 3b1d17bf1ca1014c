package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flycast.api.Check;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.ServicePort;
import io.flycast.catalog.HealthCheck;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExposedServiceTranslatorTest {
  static final InetAddress ADDR = EndpointSliceTranslator.literal("fdaa:0:48c8:0:1::1");

  static ExposedService exposed(Check... checks) {
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("web").build());
    ExposedServiceSpec spec = new ExposedServiceSpec();
    spec.selector = Map.of("app", "web");
    spec.internalPort = 8080;
    ServicePort p = new ServicePort();
    p.port = 80;
    spec.ports = List.of(p);
    spec.checks = checks.length == 0 ? null : new ArrayList<>(List.of(checks));
    es.setSpec(spec);
    return es;
  }

  static Check check(Check.Kind kind, String interval, String timeout, String grace) {
    Check c = new Check();
    c.type = kind;
    c.interval = interval;
    c.timeout = timeout;
    c.gracePeriod = grace;
    return c;
  }

  @Test
  void noChecksMeansEmptyList() {
    var t = ExposedServiceTranslator.translate(exposed(), ADDR, s -> true);
    assertThat(t.spec().checks()).isEmpty();
    assertThat(t.problems()).isEmpty();
  }

  @Test
  void translatesTcpAndHttpChecksOnTheInternalPort() {
    Check http = check(Check.Kind.HTTP, "10s", "500ms", "1m");
    http.method = "head";
    http.path = "/health";
    http.headers = Map.of("X-Probe", "1");
    var t = ExposedServiceTranslator.translate(exposed(check(Check.Kind.TCP, null, null, null), http), ADDR, s -> true);
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().checks()).containsExactly(
        new HealthCheck(HealthCheck.Kind.TCP, Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(1),
            null, null, null, 8080),
        new HealthCheck(HealthCheck.Kind.HTTP, Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofMinutes(1),
            "HEAD", "/health", Map.of("X-Probe", "1"), 8080));
  }

  @Test
  void badDurationIsAProblemAndTheCheckIsDropped() {
    var t = ExposedServiceTranslator.translate(
        exposed(check(Check.Kind.TCP, "15 seconds", null, null), check(Check.Kind.TCP, "0s", null, null),
            check(Check.Kind.HTTP, null, null, "2s")),
        ADDR, s -> true);
    assertThat(t.problems()).hasSize(2);
    assertThat(t.problems().get(0)).contains("checks[0]").contains("interval").contains("15 seconds");
    assertThat(t.problems().get(1)).contains("checks[1]");
    assertThat(t.spec().checks()).singleElement().extracting(HealthCheck::kind).isEqualTo(HealthCheck.Kind.HTTP);
  }
}
