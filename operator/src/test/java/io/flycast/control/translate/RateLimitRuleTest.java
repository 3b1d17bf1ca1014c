package io.flycast.control.translate;

import static io.flycast.control.translate.ExposedServiceTranslatorTest.ADDR;
import static io.flycast.control.translate.ExposedServiceTranslatorTest.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RateLimit;
import io.flycast.control.Fixtures;
import io.flycast.control.FlycastAnnotations;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A route's rate limit, from the ExposedService spec and from the Service annotation; a limit that
 * cannot be used is a problem (Valid=False), and the route still translates, without a limit.
 */
class RateLimitRuleTest {
  private static final String BASE =
      """
      selector: {app: web}
      internalPort: 8080
      ports: [{port: 80, handlers: [http]}]
      """;

  private static Translation exposed(String rateLimit) {
    return ExposedServiceTranslator.translate(read(BASE + rateLimit), ADDR, s -> null);
  }

  private static Translation service(String value) {
    return ServiceTranslator.translate(
        Fixtures.service("ns", "web", Map.of(FlycastAnnotations.RATE_LIMIT, value)),
        ADDR,
        n -> null);
  }

  @Test
  void theSpecsRateLimitReachesTheRoute() {
    var t = exposed("rateLimit: {rate: 10, burst: 20, per: minute, key: 'header:X-Api-Key'}");
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().rateLimit())
        .isEqualTo(new RateLimit(10, Duration.ofMinutes(1), 20, "X-Api-Key"));
  }

  @Test
  void burstDefaultsToTheRateAndTheKeyToTheClientAddress() {
    var t = exposed("rateLimit: {rate: 5}");
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().rateLimit()).isEqualTo(new RateLimit(5, Duration.ofSeconds(1), 5, null));
    assertThat(t.spec().rateLimit().byClientIp()).isTrue();
    assertThat(exposed("").spec().rateLimit()).as("no rateLimit: no limit").isNull();
  }

  @Test
  void aNegativeRateOrAZeroBurstIsAProblemAndTheRouteServesWithoutALimit() {
    var negative = exposed("rateLimit: {rate: -1, burst: 5}");
    assertThat(negative.spec().rateLimit()).isNull();
    assertThat(negative.spec().ports()).hasSize(1);
    assertThat(negative.problems())
        .containsExactly(
            "spec.rateLimit: rate is -1; it must be at least 1" + RateLimitRule.SERVES_WITHOUT);

    var zeroBurst = exposed("rateLimit: {rate: 10, burst: 0}");
    assertThat(zeroBurst.spec().rateLimit()).isNull();
    assertThat(zeroBurst.problems())
        .singleElement()
        .asString()
        .contains("spec.rateLimit: burst is 0; it must be at least 1");

    assertThat(exposed("rateLimit: {burst: 3}").problems())
        .singleElement()
        .asString()
        .contains("rate is missing");
    assertThat(exposed("rateLimit: {rate: 3, key: cookie}").problems())
        .singleElement()
        .asString()
        .contains("key is 'cookie'; expected client-ip or header:<name>");
  }

  @Test
  void theServiceAnnotationSetsTheSameLimit() {
    var t = service("rate=10, burst=20, per=second, key=header:x-api-key");
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().rateLimit())
        .isEqualTo(new RateLimit(10, Duration.ofSeconds(1), 20, "x-api-key"));
    assertThat(service("rate=2,per=minute").spec().rateLimit())
        .isEqualTo(new RateLimit(2, Duration.ofMinutes(1), 2, null));
  }

  @Test
  void aBadAnnotationIsAProblemAndTheServiceIsRoutedWithoutALimit() {
    var zero = service("rate=10,burst=0");
    assertThat(zero.spec().rateLimit()).isNull();
    assertThat(zero.spec().ports()).isNotEmpty();
    assertThat(zero.problems())
        .singleElement()
        .asString()
        .startsWith("annotation fly.io/rate-limit: burst is 0");
    assertThat(service("rate=ten").problems())
        .singleElement()
        .asString()
        .contains("rate=ten is not a whole number");
    assertThat(service("rate=1,per=hour").problems())
        .singleElement()
        .asString()
        .contains("per is 'hour'; expected second or minute");
    assertThat(service("rate=1,limit=3").problems())
        .singleElement()
        .asString()
        .contains("unknown setting 'limit'");
  }
}
