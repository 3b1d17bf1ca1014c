package io.flycast.e2e;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The RBAC of one chart render, as the API server applies it: the ClusterRoles' rules hold in every
 * namespace and for cluster-scoped objects, a Role's only in its own namespace. (The bindings are
 * checked by HelmChartE2E; here every rendered role counts as bound.)
 */
final class RenderedRbac {
  private final List<PolicyRule> cluster;
  private final Map<String, List<PolicyRule>> byNamespace;

  private RenderedRbac(List<PolicyRule> cluster, Map<String, List<PolicyRule>> byNamespace) {
    this.cluster = cluster;
    this.byNamespace = byNamespace;
  }

  static RenderedRbac of(Manifests rendered) {
    List<PolicyRule> cluster = new ArrayList<>();
    rendered.ofType(ClusterRole.class).forEach(r -> cluster.addAll(r.getRules()));
    Map<String, List<PolicyRule>> byNamespace = new LinkedHashMap<>();
    for (Role role : rendered.ofType(Role.class)) {
      byNamespace
          .computeIfAbsent(role.getMetadata().getNamespace(), k -> new ArrayList<>())
          .addAll(role.getRules());
    }
    return new RenderedRbac(cluster, byNamespace);
  }

  /** Whether the render grants this request, where it is made. */
  boolean grants(ApiRequest r) {
    return cluster.stream().anyMatch(rule -> grants(rule, r))
        || (r.namespace() != null
            && byNamespace.getOrDefault(r.namespace(), List.of()).stream()
                .anyMatch(rule -> grants(rule, r)));
  }

  static boolean grants(PolicyRule rule, ApiRequest r) {
    return rule.getApiGroups().contains(r.group())
        && rule.getResources().contains(r.resource())
        && rule.getVerbs().contains(r.verb())
        && (rule.getResourceNames() == null
            || rule.getResourceNames().isEmpty()
            || (r.name() != null && rule.getResourceNames().contains(r.name())));
  }

  /**
   * The grants no request used, as {@code verb group/resource} (ClusterRole) or with {@code in
   * <namespace>} (Role): candidates for removal, or for a test that exercises them.
   */
  SortedSet<String> unusedBy(Collection<ApiRequest> requests) {
    SortedSet<String> unused = new TreeSet<>();
    for (PolicyRule rule : cluster) {
      each(
          rule,
          grant -> {
            if (requests.stream().noneMatch(r -> r.grant().equals(grant) && grants(rule, r))) {
              unused.add(grant);
            }
          });
    }
    byNamespace.forEach(
        (ns, rules) ->
            rules.forEach(
                rule ->
                    each(
                        rule,
                        grant -> {
                          if (requests.stream()
                              .noneMatch(
                                  r ->
                                      ns.equals(r.namespace())
                                          && r.grant().equals(grant)
                                          && grants(rule, r))) {
                            unused.add(grant + " in " + ns);
                          }
                        })));
    return unused;
  }

  private static void each(PolicyRule rule, java.util.function.Consumer<String> grant) {
    for (String g : rule.getApiGroups()) {
      for (String res : rule.getResources()) {
        for (String v : rule.getVerbs()) {
          grant.accept(v + " " + (g.isEmpty() ? "core" : g) + "/" + res);
        }
      }
    }
  }
}
