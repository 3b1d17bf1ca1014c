package io.flycast.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --scale-kinds}: what the chart passes parses back to the kinds it grants. */
class ScaleKindsTest {
  @Test
  void parsesTheChartsEntries() {
    ScaleKinds kinds =
        ScaleKinds.parse(
            "apps/v1/Deployment=deployments,"
                + " apps/v1/StatefulSet=statefulsets,example.com/v1/Widget=widgets,v1/Legacy=legacies");
    assertThat(kinds.kinds())
        .containsExactly(
            ScaleKinds.DEPLOYMENT,
            ScaleKinds.STATEFULSET,
            new ScaleKinds.Kind("example.com/v1", "Widget", "widgets"),
            new ScaleKinds.Kind("v1", "Legacy", "legacies"));
    assertThat(kinds.find("example.com", "Widget")).isPresent();
    assertThat(kinds.find("", "Legacy")).isPresent();
    assertThat(kinds.find("other.io", "Widget")).isEmpty();
    assertThat(kinds.describe())
        .isEqualTo("apps/Deployment, apps/StatefulSet, example.com/Widget, Legacy");
    assertThat(ScaleKinds.parse(kinds.toString())).isEqualTo(kinds);
    assertThat(kinds.infersTargets()).isTrue();
  }

  @Test
  void emptyIsNoneAndInfersNothing() {
    assertThat(ScaleKinds.parse("").isEmpty()).isTrue();
    assertThat(ScaleKinds.parse(" , ").isEmpty()).isTrue();
    assertThat(ScaleKinds.parse("").infersTargets()).isFalse();
    assertThat(ScaleKinds.parse("example.com/v1/Widget=widgets").infersTargets()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Deployment",
        "apps/v1/Deployment",
        "apps/v1/deployment=deployments",
        "Deployment=deployments",
        "a/b/c/Widget=widgets",
        "example.com/v1/Widget=Widgets"
      })
  void aMalformedEntryIsRefusedWithTheFormat(String entry) {
    assertThatThrownBy(() -> ScaleKinds.parse(entry))
        .hasMessageContaining("'" + entry + "' is not <apiVersion>/<Kind>=<resource>");
  }
}
