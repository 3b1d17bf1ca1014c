package io.flycast.e2e;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Kubernetes API calls the operator makes, as RBAC permissions: the chart must grant each one
 * (and, being least privilege, little else). Sources: control/CatalogSync (informers),
 * ServiceReconciler (patch, editStatus), ExposedServiceReconciler and its Service dependent,
 * EventRecorder, LeaderElection, allocation/FlycastAddressPool; autostop/autostart for the rest.
 */
final class OperatorPermissions {
  static final String LEASE_NAME = "flycast-operator";

  private OperatorPermissions() {}

  /** One permission; {@code resourceName} null means any object. */
  record Permission(
      String apiGroup, String resource, String verb, String resourceName, String why) {
    /** Whether one of these rules grants it (a rule naming objects grants only those objects). */
    boolean grantedBy(List<PolicyRule> rules) {
      return rules.stream()
          .anyMatch(
              r ->
                  r.getApiGroups().contains(apiGroup)
                      && r.getResources().contains(resource)
                      && r.getVerbs().contains(verb)
                      && (r.getResourceNames() == null
                          || r.getResourceNames().isEmpty()
                          || (resourceName != null
                              && r.getResourceNames().contains(resourceName))));
    }

    @Override
    public String toString() {
      String group = apiGroup.isEmpty() ? "core" : apiGroup;
      String name = resourceName == null ? "" : "/" + resourceName;
      return verb + " " + group + "/" + resource + name + " (" + why + ")";
    }
  }

  /** Cluster-wide: objects in every namespace, and the cluster-scoped FlycastIPs. */
  static Stream<Permission> clusterWide() {
    return Stream.of(
            of("", "services", "catalog informer, ServiceReconciler", "get", "list", "watch"),
            of(
                "",
                "services",
                "annotations, owned Services",
                "create",
                "update",
                "patch",
                "delete"),
            of("", "services/status", "LoadBalancer ingress IP", "patch"),
            of("", "namespaces", "namespace label opt-in", "list", "watch"),
            of("discovery.k8s.io", "endpointslices", "backends", "list", "watch"),
            of(
                "",
                "pods",
                "network isolation: pod addresses to namespaces (PodNetworks)",
                "list",
                "watch"),
            of("", "secrets", "TLS certificates", "list", "watch"),
            of(
                "fly.io",
                "exposedservices",
                "reconciler",
                "get",
                "list",
                "watch",
                "patch",
                "update"),
            of("fly.io", "exposedservices/status", "status", "get", "patch", "update"),
            of("fly.io", "exposedservices/finalizers", "blockOwnerDeletion", "update"),
            of("fly.io", "flycastips", "allocator", "get", "list", "watch", "create", "delete"),
            of("", "events", "EventRecorder, in the object's namespace", "create"))
        .flatMap(List::stream);
  }

  /** Autostop/autostart, granted only with autoscale.enabled. */
  static Stream<Permission> autoscale() {
    return Stream.of(
            of("apps", "deployments/scale", "autostop/autostart", "get", "patch", "update"),
            of("apps", "statefulsets/scale", "autostop/autostart", "get", "patch", "update"),
            of("", "pods", "backend pods, pod-deletion-cost", "get", "patch"),
            of("apps", "deployments", "scale target inference", "get", "list"),
            of("apps", "statefulsets", "scale target inference", "get", "list"),
            of("apps", "replicasets", "scale target inference", "get", "list"))
        .flatMap(List::stream);
  }

  /** Leader election, in the release namespace only. */
  static Stream<Permission> leaderElection() {
    return Stream.of(
        new Permission("coordination.k8s.io", "leases", "create", null, "first election"),
        new Permission("coordination.k8s.io", "leases", "get", LEASE_NAME, "election"),
        new Permission("coordination.k8s.io", "leases", "update", LEASE_NAME, "renewal"),
        new Permission(
            "coordination.k8s.io", "leases", "patch", LEASE_NAME, "renewal (Fabric8 patches)"));
  }

  private static List<Permission> of(String group, String resource, String why, String... verbs) {
    return Stream.of(verbs).map(v -> new Permission(group, resource, v, null, why)).toList();
  }
}
