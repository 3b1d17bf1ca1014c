package io.flycast.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kinds of workload this install may scale ({@code --scale-kinds}): those whose {@code /scale}
 * subresource its RBAC grants. Autostop and autostart ask for nothing else, so a route naming
 * another kind is refused up front, with a problem saying what to set, instead of failing with
 * Forbidden at its first scale. Empty: autoscale is off in this install.
 *
 * @param kinds the kinds, each with the resource (plural) its {@code /scale} is under
 */
public record ScaleKinds(List<Kind> kinds) {
  /** One scalable kind: {@code apiVersion} as in a scaleTargetRef, its Kind, its resource. */
  public record Kind(String apiVersion, String kind, String resource) {
    /** The API group: what RBAC and a scaleTargetRef match on (the version does not matter). */
    public String group() {
      int slash = apiVersion.indexOf('/');
      return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** As the flag writes it: {@code apps/v1/Deployment=deployments}. */
    @Override
    public String toString() {
      return apiVersion + "/" + kind + "=" + resource;
    }

    /** As a person reads it: {@code apps/Deployment}, or {@code Pod} for the core group. */
    public String describe() {
      return group().isEmpty() ? kind : group() + "/" + kind;
    }
  }

  public static final Kind DEPLOYMENT = new Kind("apps/v1", "Deployment", "deployments");
  public static final Kind STATEFULSET = new Kind("apps/v1", "StatefulSet", "statefulsets");

  /** What the operator scales without the flag, and what the chart grants with autoscale on. */
  public static final ScaleKinds BUILT_IN = new ScaleKinds(List.of(DEPLOYMENT, STATEFULSET));

  public ScaleKinds {
    kinds = List.copyOf(kinds);
  }

  /**
   * Parses {@code --scale-kinds}: comma-separated {@code <apiVersion>/<Kind>=<resource>} entries,
   * e.g. {@code apps/v1/Deployment=deployments,example.com/v1/Widget=widgets}; empty is none.
   */
  public static ScaleKinds parse(String csv) {
    List<Kind> kinds = new ArrayList<>();
    for (String entry : csv.split(",")) {
      String e = entry.strip();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.indexOf('=');
      int slash = eq < 0 ? -1 : e.lastIndexOf('/', eq);
      String apiVersion = slash < 0 ? "" : e.substring(0, slash);
      String kind = slash < 0 ? "" : e.substring(slash + 1, eq);
      String resource = eq < 0 ? "" : e.substring(eq + 1);
      if (apiVersion.isEmpty()
          || apiVersion.split("/").length > 2
          || !kind.matches("[A-Z][A-Za-z0-9]*")
          || !resource.matches("[a-z0-9][-a-z0-9.]*")) {
        throw new IllegalArgumentException(
            "--scale-kinds: '"
                + e
                + "' is not <apiVersion>/<Kind>=<resource>, "
                + "e.g. apps/v1/Deployment=deployments or example.com/v1/Widget=widgets");
      }
      kinds.add(new Kind(apiVersion, kind, resource));
    }
    return new ScaleKinds(kinds);
  }

  public boolean isEmpty() {
    return kinds.isEmpty();
  }

  /** The allowed kind of this group and Kind, if any. */
  public Optional<Kind> find(String group, String kind) {
    return kinds.stream().filter(k -> k.group().equals(group) && k.kind().equals(kind)).findFirst();
  }

  /** The allowed kinds of this Kind name, in any group (an annotation may leave the group out). */
  public List<Kind> named(String kind) {
    return kinds.stream().filter(k -> k.kind().equals(kind)).toList();
  }

  /**
   * Whether a route without a scale target can be scaled: the target is then inferred among the
   * Deployments and StatefulSets whose pods match its selector, so one of them must be allowed.
   */
  public boolean infersTargets() {
    return find("apps", "Deployment").isPresent() || find("apps", "StatefulSet").isPresent();
  }

  /** {@code apps/Deployment, apps/StatefulSet}; "none" when empty. */
  public String describe() {
    return kinds.isEmpty()
        ? "none"
        : kinds.stream().map(Kind::describe).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return kinds.stream().map(Kind::toString).collect(Collectors.joining(","));
  }
}
