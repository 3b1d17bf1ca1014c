package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.api.AutoStopMode;
import io.flycast.api.ExposedService;
import io.flycast.api.ScaleTargetRef;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import io.flycast.control.Fixtures;
import io.flycast.control.FlycastAnnotations;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A route whose scale target is a kind this install may not scale (not in {@code --scale-kinds}, so
 * not in its RBAC) is refused up front: its autoscale is off and a problem names the kind and the
 * chart value to set. Both ways of naming a target: an ExposedService's {@code spec.scaleTargetRef}
 * and a Service's {@code fly.io/scale-target} annotation.
 */
class ScaleTargetRuleTest {
  static final ScaleKinds WITH_WIDGETS =
      ScaleKinds.parse(
          "apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets,example.com/v1/Widget=widgets");
  static final ScaleKinds NONE = ScaleKinds.parse("");

  static ExposedService withTarget(String apiVersion, String kind) {
    ExposedService es = ExposedServiceTranslatorTest.exposed();
    es.getSpec().autoStopMachines = AutoStopMode.STOP;
    es.getSpec().scaleTargetRef = new ScaleTargetRef();
    es.getSpec().scaleTargetRef.apiVersion = apiVersion;
    es.getSpec().scaleTargetRef.kind = kind;
    es.getSpec().scaleTargetRef.name = "w1";
    return es;
  }

  static Translation exposed(ExposedService es, ScaleKinds kinds) {
    return ExposedServiceTranslator.translate(
        es, ExposedServiceTranslatorTest.ADDR, n -> null, kinds);
  }

  static Translation service(Map<String, String> annotations, ScaleKinds kinds) {
    return ServiceTranslator.translate(
        Fixtures.service("ns", "web", annotations), ServiceTranslatorTest.ADDR, n -> null, kinds);
  }

  static void assertAutoscaleOff(Translation t) {
    assertThat(t.spec().autoscale().autostop()).isEqualTo(AutostopMode.OFF);
    assertThat(t.spec().autoscale().autostart()).isFalse();
  }

  @Test
  void aCustomKindThatIsNotConfiguredIsRefusedNamingTheKindAndTheValuesKey() {
    var t = exposed(withTarget("example.com/v1", "Widget"), ScaleKinds.BUILT_IN);
    assertThat(t.problems())
        .containsExactly(
            "spec.scaleTargetRef names Widget (example.com/v1), a kind this install may not scale:"
                + " it may scale apps/Deployment, apps/StatefulSet; add {apiVersion:"
                + " example.com/v1, kind: Widget, resource: <its plural, as kubectl api-resources"
                + " names it>} to the chart value autoscale.extraScaleTargets (operator flag"
                + " --scale-kinds). Autostop and autostart are off for this route until then");
    assertAutoscaleOff(t);
    // Routing goes on.
    assertThat(t.spec().port(80)).isNotNull();
  }

  @Test
  void aConfiguredCustomKindIsScaledAsAsked() {
    var t = exposed(withTarget("example.com/v1", "Widget"), WITH_WIDGETS);
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().autoscale().autostop()).isEqualTo(AutostopMode.STOP);
    assertThat(t.spec().autoscale().autostart()).isTrue();
    assertThat(t.spec().scaleTarget()).isEqualTo(new ScaleTarget("example.com/v1", "Widget", "w1"));
    // Another version of the same group and kind is the same grant.
    assertThat(exposed(withTarget("example.com/v2", "Widget"), WITH_WIDGETS).problems()).isEmpty();
    // Another group's Widget is not.
    assertThat(exposed(withTarget("other.io/v1", "Widget"), WITH_WIDGETS).problems())
        .singleElement()
        .asString()
        .startsWith(
            "spec.scaleTargetRef names Widget (other.io/v1), a kind this install may not scale: it"
                + " may scale apps/Deployment, apps/StatefulSet, example.com/Widget; add"
                + " {apiVersion: other.io/v1");
  }

  @Test
  void builtInKindsAreScaledByDefault() {
    assertThat(exposed(withTarget("apps/v1", "Deployment"), ScaleKinds.BUILT_IN).problems())
        .isEmpty();
    assertThat(exposed(withTarget("apps/v1", "StatefulSet"), ScaleKinds.BUILT_IN).problems())
        .isEmpty();
    var rs = exposed(withTarget("apps/v1", "ReplicaSet"), ScaleKinds.BUILT_IN);
    assertThat(rs.problems())
        .singleElement()
        .asString()
        .contains(
            "names ReplicaSet (apps/v1), a kind this install may " + "not scale",
            "add {apiVersion: apps/v1, kind: ReplicaSet");
    assertAutoscaleOff(rs);
  }

  @Test
  void withAutoscaleOffInTheInstallEvenADeploymentIsRefusedSayingToTurnItOn() {
    var t = exposed(withTarget("apps/v1", "Deployment"), NONE);
    assertThat(t.problems())
        .containsExactly(
            "spec.scaleTargetRef names Deployment (apps/v1), a kind this install may not scale:"
                + " autoscale is off in this install: set the chart value autoscale.enabled=true"
                + " (operator flag --scale-kinds). Autostop and autostart are off for this route"
                + " until then");
    assertAutoscaleOff(t);
    assertThat(exposed(withTarget("example.com/v1", "Widget"), NONE).problems())
        .singleElement()
        .asString()
        .contains(
            "set the chart value autoscale.enabled=true and add {apiVersion: example.com/v1, kind:"
                + " Widget");
  }

  @Test
  void withAutoscaleOffARouteThatAsksForAutostopIsToldAndOneThatDoesNotIsQuietlyNotAutostarted() {
    ExposedService asks = ExposedServiceTranslatorTest.exposed();
    asks.getSpec().autoStopMachines = AutoStopMode.STOP;
    var t = exposed(asks, NONE);
    assertThat(t.problems())
        .containsExactly(
            "autostop or autostart is asked for, but autoscale is off in this install (it may scale"
                + " no Deployment or StatefulSet): set the chart value autoscale.enabled=true"
                + " (operator flag --scale-kinds). Autostop and autostart are off for this route"
                + " until then");
    assertAutoscaleOff(t);

    // Defaults only (autostart is on by default): no problem, and no scale call will be made.
    var quiet = exposed(ExposedServiceTranslatorTest.exposed(), NONE);
    assertThat(quiet.problems()).isEmpty();
    assertAutoscaleOff(quiet);
    // With autoscale on, the defaults stand.
    assertThat(
            exposed(ExposedServiceTranslatorTest.exposed(), ScaleKinds.BUILT_IN)
                .spec()
                .autoscale()
                .autostart())
        .isTrue();
  }

  @Test
  void anAnnotatedCustomKindTakesItsApiVersionFromTheConfiguredKinds() {
    var t =
        service(
            Map.of(
                FlycastAnnotations.SCALE_TARGET, "Widget/w1", FlycastAnnotations.AUTO_STOP, "stop"),
            WITH_WIDGETS);
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().scaleTarget()).isEqualTo(new ScaleTarget("example.com/v1", "Widget", "w1"));
    assertThat(t.spec().autoscale().autostop()).isEqualTo(AutostopMode.STOP);
    assertThat(
            service(Map.of(FlycastAnnotations.SCALE_TARGET, "Deployment/web"), ScaleKinds.BUILT_IN)
                .spec()
                .scaleTarget())
        .isEqualTo(new ScaleTarget("apps/v1", "Deployment", "web"));
  }

  @Test
  void anAnnotatedKindThatIsNotConfiguredIsRefusedNamingTheAnnotationAndTheValuesKey() {
    var t =
        service(
            Map.of(
                FlycastAnnotations.SCALE_TARGET, "Widget/w1", FlycastAnnotations.AUTO_STOP, "stop"),
            ScaleKinds.BUILT_IN);
    assertThat(t.problems())
        .containsExactly(
            "annotation fly.io/scale-target=Widget/w1 names Widget, a kind this install may not"
                + " scale: it may scale apps/Deployment, apps/StatefulSet; add {apiVersion:"
                + " <group>/<version>, kind: Widget, resource: <its plural, as kubectl"
                + " api-resources names it>} to the chart value autoscale.extraScaleTargets"
                + " (operator flag --scale-kinds). Autostop and autostart are off for this route"
                + " until then");
    assertAutoscaleOff(t);
    assertThat(t.spec().scaleTarget()).isNull();
    assertThat(
            service(
                    Map.of(FlycastAnnotations.SCALE_TARGET, "Widget.example.com/w1"),
                    ScaleKinds.BUILT_IN)
                .problems())
        .singleElement()
        .asString()
        .contains("names Widget (example.com), a kind", "{apiVersion: example.com/<version>");
    assertThat(service(Map.of(FlycastAnnotations.SCALE_TARGET, "Deployment/web"), NONE).problems())
        .singleElement()
        .asString()
        .contains(
            "autoscale is off in this install: set the chart value autoscale.enabled=true "
                + "(operator flag --scale-kinds)");
  }

  @Test
  void aKindOfTwoConfiguredGroupsNeedsItsGroupInTheAnnotation() {
    ScaleKinds two =
        ScaleKinds.parse("a.example.com/v1/Widget=widgets,b.example.com/v1beta1/Widget=widgets");
    var t = service(Map.of(FlycastAnnotations.SCALE_TARGET, "Widget/w1"), two);
    assertThat(t.problems())
        .containsExactly(
            "annotation fly.io/scale-target=Widget/w1 names Widget, a Kind of several groups this"
                + " install may scale (a.example.com, b.example.com); name its group, e.g."
                + " Widget.a.example.com/w1. Autostop and autostart are off for this route until"
                + " then");
    assertAutoscaleOff(t);
    var named = service(Map.of(FlycastAnnotations.SCALE_TARGET, "Widget.b.example.com/w1"), two);
    assertThat(named.problems()).isEmpty();
    assertThat(named.spec().scaleTarget())
        .isEqualTo(new ScaleTarget("b.example.com/v1beta1", "Widget", "w1"));
  }

  @Test
  void withAutoscaleOffAnAnnotatedServiceThatAsksForAutostopIsTold() {
    var t = service(Map.of(FlycastAnnotations.AUTO_STOP, "stop"), NONE);
    assertThat(t.problems())
        .singleElement()
        .asString()
        .startsWith("autostop or autostart is asked for, but autoscale is off");
    assertAutoscaleOff(t);
    assertThat(service(Map.of(), NONE).problems()).isEmpty();
    assertThat(service(Map.of(FlycastAnnotations.AUTO_STOP, "off"), NONE).problems()).isEmpty();
  }
}
