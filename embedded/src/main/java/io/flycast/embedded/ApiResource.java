package io.flycast.embedded;

import java.util.List;
import java.util.Map;

/**
 * A resource the embedded API serves, for discovery and OpenAPI: plural name, kind, namespaced,
 * subresources and kubectl's short names; {@link #SERVED} lists them all.
 */
record ApiResource(
    String group,
    String version,
    String plural,
    String kind,
    boolean namespaced,
    List<String> subresources,
    List<String> shortNames) {
  ApiResource(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      List<String> subresources) {
    this(
        group,
        version,
        plural,
        kind,
        namespaced,
        subresources,
        SHORT_NAMES.getOrDefault(plural, List.of()));
  }

  /** kubectl's short names, so {@code kubectl get deploy,svc,exsvc} works as on a real cluster. */
  private static final Map<String, List<String>> SHORT_NAMES =
      Map.of(
          "namespaces",
          List.of("ns"),
          "services",
          List.of("svc"),
          "pods",
          List.of("po"),
          "configmaps",
          List.of("cm"),
          "events",
          List.of("ev"),
          "endpoints",
          List.of("ep"),
          "deployments",
          List.of("deploy"),
          "statefulsets",
          List.of("sts"),
          "replicasets",
          List.of("rs"),
          "exposedservices",
          List.of("exsvc"));

  static final List<ApiResource> SERVED =
      List.of(
          new ApiResource("", "v1", "namespaces", "Namespace", false, List.of("status")),
          new ApiResource("", "v1", "services", "Service", true, List.of("status")),
          new ApiResource("", "v1", "pods", "Pod", true, List.of("status")),
          new ApiResource("", "v1", "secrets", "Secret", true, List.of()),
          new ApiResource("", "v1", "configmaps", "ConfigMap", true, List.of()),
          new ApiResource("", "v1", "events", "Event", true, List.of()),
          new ApiResource("", "v1", "endpoints", "Endpoints", true, List.of()),
          new ApiResource("", "v1", "serviceaccounts", "ServiceAccount", true, List.of()),
          new ApiResource(
              "apps", "v1", "deployments", "Deployment", true, List.of("status", "scale")),
          new ApiResource(
              "apps", "v1", "statefulsets", "StatefulSet", true, List.of("status", "scale")),
          new ApiResource(
              "apps", "v1", "replicasets", "ReplicaSet", true, List.of("status", "scale")),
          new ApiResource("apps", "v1", "daemonsets", "DaemonSet", true, List.of("status")),
          new ApiResource(
              "", "v1", "replicationcontrollers", "ReplicationController", true, List.of("status")),
          new ApiResource("batch", "v1", "jobs", "Job", true, List.of("status")),
          new ApiResource("batch", "v1", "cronjobs", "CronJob", true, List.of("status")),
          new ApiResource(
              "autoscaling",
              "v2",
              "horizontalpodautoscalers",
              "HorizontalPodAutoscaler",
              true,
              List.of("status")),
          new ApiResource(
              "discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, List.of()),
          new ApiResource("coordination.k8s.io", "v1", "leases", "Lease", true, List.of()),
          new ApiResource(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "CustomResourceDefinition",
              false,
              List.of("status")),
          new ApiResource(
              "fly.io", "v1alpha1", "exposedservices", "ExposedService", true, List.of("status")),
          new ApiResource("fly.io", "v1alpha1", "flycastips", "FlycastIP", false, List.of()));
}
