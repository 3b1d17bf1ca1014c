package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.api.CacheSpec;
import io.flycast.catalog.CacheSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.cache and fly.io/cache: usable sizes reach the route, others are reported by field. */
class CacheRuleTest {
  private static final long MI = CacheSettings.MIB;
  private static final long REPLICA = 256 * MI;
  private final List<String> problems = new ArrayList<>();

  private static CacheSpec spec(Boolean enabled, String max, String entry) {
    CacheSpec s = new CacheSpec();
    s.enabled = enabled;
    s.maxSize = max;
    s.maxEntrySize = entry;
    return s;
  }

  @Test
  void enabledWithoutSizesTakesTheDefaults() {
    assertThat(CacheRule.fromSpec(spec(true, null, null), REPLICA, problems))
        .isEqualTo(CacheSettings.DEFAULT);
    assertThat(CacheRule.fromSpec(spec(true, null, null), 16 * MI, problems))
        .as("never more than the replica's cache")
        .isEqualTo(new CacheSettings(16 * MI, MI));
    assertThat(problems).isEmpty();
  }

  @Test
  void absentOrDisabledIsNoCache() {
    assertThat(CacheRule.fromSpec(null, REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(null, "1Mi", null), REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(false, "1Mi", null), REPLICA, problems)).isNull();
    assertThat(problems).isEmpty();
  }

  @Test
  void sizesInKiMiGiOrBytes() {
    assertThat(CacheRule.fromSpec(spec(true, "1Gi", "512Ki"), 2048 * MI, problems))
        .isEqualTo(new CacheSettings(1024 * MI, 512 * 1024));
    assertThat(CacheRule.fromSpec(spec(true, "1000000", "1000"), REPLICA, problems))
        .isEqualTo(new CacheSettings(1_000_000, 1000));
    assertThat(problems).isEmpty();
  }

  @Test
  void unusableSizesAreReportedByFieldAndTheRouteServesWithoutACache() {
    assertThat(CacheRule.fromSpec(spec(true, "-1Mi", null), REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(true, "0", null), REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(true, "lots", null), REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(true, "1Mi", "2Mi"), REPLICA, problems)).isNull();
    assertThat(CacheRule.fromSpec(spec(true, "1Gi", null), REPLICA, problems)).isNull();
    assertThat(problems)
        .containsExactly(
            "spec.cache.maxSize: -1Mi is below 1 byte" + CacheRule.SERVES_WITHOUT,
            "spec.cache.maxSize: 0 is below 1 byte" + CacheRule.SERVES_WITHOUT,
            "spec.cache.maxSize: 'lots' is not a size; expected one such as 64Mi, 512Ki or 1048576"
                + CacheRule.SERVES_WITHOUT,
            "spec.cache.maxEntrySize is 2Mi, larger than the route's cache (1Mi)"
                + CacheRule.SERVES_WITHOUT,
            "spec.cache.maxSize is 1Gi, larger than the proxy's whole cache (--cache-max-size"
                + " 256Mi)"
                + CacheRule.SERVES_WITHOUT);
  }

  private static final String BASE =
      """
      selector: {app: web}
      internalPort: 8080
      ports: [{port: 80, handlers: [http]}]
      """;

  @Test
  void theTranslatorsCarryTheCacheOrItsProblem() {
    var ok =
        ExposedServiceTranslator.translate(
            ExposedServiceTranslatorTest.read(BASE + "cache: {enabled: true, maxSize: 8Mi}"),
            ExposedServiceTranslatorTest.ADDR,
            s -> null);
    assertThat(ok.problems()).isEmpty();
    assertThat(ok.spec().cache()).isEqualTo(new CacheSettings(8 * MI, MI));
    var tooBig =
        ExposedServiceTranslator.translate(
            ExposedServiceTranslatorTest.read(BASE + "cache: {enabled: true, maxSize: 8Mi}"),
            ExposedServiceTranslatorTest.ADDR,
            s -> null,
            io.flycast.catalog.ScaleKinds.BUILT_IN,
            4 * MI);
    assertThat(tooBig.spec().cache()).isNull();
    assertThat(tooBig.spec().ports()).as("the route still serves").hasSize(1);
    assertThat(tooBig.problems())
        .containsExactly(
            "spec.cache.maxSize is 8Mi, larger than the proxy's whole cache (--cache-max-size 4Mi)"
                + CacheRule.SERVES_WITHOUT);
    var annotated =
        ServiceTranslator.translate(
            io.flycast.control.Fixtures.service(
                "ns", "web", java.util.Map.of(io.flycast.control.FlycastAnnotations.CACHE, "true")),
            ExposedServiceTranslatorTest.ADDR,
            n -> null);
    assertThat(annotated.spec().cache()).isEqualTo(CacheSettings.DEFAULT);
  }

  @Test
  void theAnnotation() {
    String a = "fly.io/cache";
    assertThat(CacheRule.fromAnnotation(a, "true", REPLICA, problems))
        .isEqualTo(CacheSettings.DEFAULT);
    assertThat(CacheRule.fromAnnotation(a, "false", REPLICA, problems)).isNull();
    assertThat(CacheRule.fromAnnotation(a, null, REPLICA, problems)).isNull();
    assertThat(CacheRule.fromAnnotation(a, "max-size=8Mi, max-entry-size=64Ki", REPLICA, problems))
        .isEqualTo(new CacheSettings(8 * MI, 64 * 1024));
    assertThat(problems).isEmpty();
    assertThat(CacheRule.fromAnnotation(a, "size=8Mi", REPLICA, problems)).isNull();
    assertThat(CacheRule.fromAnnotation(a, "max-entry-size=0", REPLICA, problems)).isNull();
    assertThat(problems)
        .containsExactly(
            "annotation fly.io/cache=\"size=8Mi\": unknown setting 'size' (expected true, false,"
                + " or max-size, max-entry-size)"
                + CacheRule.SERVES_WITHOUT,
            "annotation fly.io/cache max-entry-size: 0 is below 1 byte" + CacheRule.SERVES_WITHOUT);
  }
}
