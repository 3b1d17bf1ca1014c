package io.flycast.control.translate;

import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import java.util.List;

/**
 * Autostop and autostart scale only kinds this install may scale ({@link ScaleKinds}, what its RBAC
 * grants {@code /scale} on). A route whose target is another kind gets its autoscale turned off up
 * front, and a problem that names the kind and the chart value to set: a scale that RBAC refuses
 * would otherwise only show up as a Forbidden Event on the first cold start.
 */
final class ScaleTargetRule {
  private ScaleTargetRule() {}

  /** What a route is left with when its target may not be scaled: routing, without autoscale. */
  static Autoscale off(Autoscale asked) {
    return new Autoscale(
        AutostopMode.OFF, false, asked.minMachinesRunning(), asked.maxMachinesRunning());
  }

  /**
   * The autoscale a route gets. With an explicit target, as asked when its kind may be scaled, else
   * off with a problem. Without one (the target is inferred among Deployments and StatefulSets), as
   * asked when those may be scaled, else off, with a problem only when the route asked for
   * autoscale itself ({@code asked}), not by leaving autostart at its default.
   *
   * @param field where the target is named, for the problem: {@code spec.scaleTargetRef}
   */
  static Autoscale check(
      Autoscale autoscale,
      ScaleTarget target,
      boolean asked,
      ScaleKinds kinds,
      String field,
      List<String> problems) {
    if (target != null) {
      if (kinds.find(group(target.apiVersion()), target.kind()).isPresent()) {
        return autoscale;
      }
      problems.add(
          notScalable(
              field + " names " + target.kind() + " (" + target.apiVersion() + ")",
              target.apiVersion(),
              target.kind(),
              kinds));
      return off(autoscale);
    }
    if (kinds.infersTargets()) {
      return autoscale;
    }
    if (asked) {
      problems.add(
          "autostop or autostart is asked for, but autoscale is off in this install (it may scale"
              + " no Deployment or StatefulSet): set the chart value autoscale.enabled=true"
              + " (operator flag --scale-kinds)."
              + OFF_MEANWHILE);
    }
    return off(autoscale);
  }

  static final String OFF_MEANWHILE = " Autostop and autostart are off for this route until then";

  /**
   * A target of a kind this install may not scale: which kinds it may, and what to add to the
   * chart's values (autoscale on, the kind in {@code autoscale.extraScaleTargets}).
   *
   * @param what the target as named, e.g. {@code spec.scaleTargetRef names Widget (example.com/v1)}
   * @param apiVersion its apiVersion for the values entry; a placeholder where it is not known
   */
  static String notScalable(String what, String apiVersion, String kind, ScaleKinds kinds) {
    boolean builtIn =
        "apps".equals(group(apiVersion)) && ScaleKinds.BUILT_IN.find("apps", kind).isPresent();
    String entry =
        "{apiVersion: "
            + apiVersion
            + ", kind: "
            + kind
            + ", resource: <its plural, as kubectl api-resources "
            + "names it>} to the chart value autoscale.extraScaleTargets";
    String fix;
    if (kinds.isEmpty()) {
      fix =
          "autoscale is off in this install: set the chart value autoscale.enabled=true"
              + (builtIn ? "" : " and add " + entry);
    } else {
      fix =
          "it may scale "
              + kinds.describe()
              + "; "
              + (builtIn ? "set the chart value autoscale.enabled=true" : "add " + entry);
    }
    return what
        + ", a kind this install may not scale: "
        + fix
        + " (operator flag --scale-kinds)."
        + OFF_MEANWHILE;
  }

  static String group(String apiVersion) {
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }
}
