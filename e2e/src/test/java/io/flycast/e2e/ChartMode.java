package io.flycast.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One combination of the chart values that change what the operator asks of the API, each through a
 * flag or a grant of its own:
 *
 * <ul>
 *   <li>{@code autoscale.enabled} and {@code autoscale.extraScaleTargets}: the /scale, pod and
 *       workload grants and {@code --scale-kinds} (off, on, on with a custom kind);
 *   <li>{@code tls.secretNamespaces}: the Secret grant cluster-wide or in one namespace, and {@code
 *       --secret-namespaces};
 *   <li>{@code dns.enabled}: {@code --dns-listen} (the responder reads the catalog, not the API,
 *       but the flag changes what the process starts, so it is varied too);
 *   <li>{@code fksMode}: {@code --all-services}, every Service managed (more writes, same verbs).
 * </ul>
 *
 * The other values that become flags ({@code prefix}, {@code zone}, {@code proxy.*}, {@code
 * trustedCidrs}, {@code autostopInterval}, the listeners, {@code admin.tokenSecret}) tune what the
 * process does with the objects it is granted, and never which requests it sends.
 */
record ChartMode(Autoscale autoscale, boolean secretNamespaces, boolean dns, boolean fks) {
  enum Autoscale {
    OFF,
    ON,
    ON_WITH_WIDGETS
  }

  /** The namespace whose TLS Secrets are read when {@link #secretNamespaces} is set. */
  static final String TLS_NAMESPACE = "tls-a";

  /**
   * A covering set: every pair of levels of any two values is in some mode (checked by {@link
   * #pairsNotCovered}), 6 modes for the 24 combinations. The chart renders each value's grants in a
   * block of its own, and the operator's parts behind each flag (the Secret watches, the scaler,
   * the DNS responder, the Service policy) do not call the API for one another, so a grant missing
   * only for some combination would show as a pair of levels that misses it.
   */
  static final List<ChartMode> COVERING =
      List.of(
          new ChartMode(Autoscale.OFF, false, false, false),
          new ChartMode(Autoscale.OFF, true, true, true),
          new ChartMode(Autoscale.ON, false, true, true),
          new ChartMode(Autoscale.ON, true, false, false),
          new ChartMode(Autoscale.ON_WITH_WIDGETS, false, true, false),
          new ChartMode(Autoscale.ON_WITH_WIDGETS, true, false, true));

  /** The levels of each value, in the order of {@link #levels()}. */
  static final List<List<Object>> LEVELS =
      List.of(
          List.of((Object[]) Autoscale.values()),
          List.of(false, true),
          List.of(false, true),
          List.of(false, true));

  List<Object> levels() {
    return List.of(autoscale, secretNamespaces, dns, fks);
  }

  /** helm arguments selecting this mode. */
  List<String> helmArgs() {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--set", "autoscale.enabled=" + (autoscale != Autoscale.OFF),
                "--set", "dns.enabled=" + dns,
                "--set", "fksMode=" + fks));
    if (secretNamespaces) {
      args.addAll(List.of("--set", "tls.secretNamespaces={" + TLS_NAMESPACE + "}"));
    }
    if (autoscale == Autoscale.ON_WITH_WIDGETS) {
      args.addAll(
          List.of(
              "--set-json",
              "autoscale.extraScaleTargets=[{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"resource\":\"widgets\"}]"));
    }
    return args;
  }

  boolean scales() {
    return autoscale != Autoscale.OFF;
  }

  boolean scalesWidgets() {
    return autoscale == Autoscale.ON_WITH_WIDGETS;
  }

  /** The pairs of levels (value index and level, twice) that no mode has together. */
  static List<String> pairsNotCovered(List<ChartMode> modes) {
    List<String> missing = new ArrayList<>();
    for (int a = 0; a < LEVELS.size(); a++) {
      for (int b = a + 1; b < LEVELS.size(); b++) {
        for (Object la : LEVELS.get(a)) {
          for (Object lb : LEVELS.get(b)) {
            int fa = a;
            int fb = b;
            if (modes.stream()
                .noneMatch(m -> m.levels().get(fa).equals(la) && m.levels().get(fb).equals(lb))) {
              missing.add("value " + a + "=" + la + " with value " + b + "=" + lb);
            }
          }
        }
      }
    }
    return missing;
  }

  @Override
  public String toString() {
    return "autoscale "
        + autoscale.name().toLowerCase(Locale.ROOT)
        + ", secrets "
        + (secretNamespaces ? "in " + TLS_NAMESPACE : "everywhere")
        + ", dns "
        + (dns ? "on" : "off")
        + ", fks "
        + (fks ? "on" : "off");
  }
}
