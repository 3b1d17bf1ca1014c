package io.flycast.bench;

/**
 * The cluster of the scale benchmark, loaded into {@link ApiObjects}: 100 Services per namespace,
 * each with one EndpointSlice listing its Deployment's pods, and those pods.
 */
final class ScaleCluster {
  private ScaleCluster() {}

  static final int SERVICES_PER_NAMESPACE = 100;
  static final String SERVICES = "/api/v1/services";

  static void load(ApiObjects objects, int services, int endpoints) {
    int namespaces = (services + SERVICES_PER_NAMESPACE - 1) / SERVICES_PER_NAMESPACE;
    for (int n = 0; n < namespaces; n++) {
      String ns = "ns-" + n;
      long rv = objects.nextVersion();
      objects.load(
          "/api/v1/namespaces",
          ns,
          "Namespace",
          ClusterObjects.namespace(ns, Long.toString(rv)),
          rv);
    }
    int pod = 0;
    for (int s = 0; s < services; s++) {
      String ns = "ns-" + s / SERVICES_PER_NAMESPACE;
      String name = "svc-" + s;
      long rv = objects.nextVersion();
      String clusterIp = "10.96." + (s >>> 8 & 255) + "." + (s & 255);
      objects.load(
          SERVICES,
          ns + "/" + name,
          "Service",
          ClusterObjects.service(ns, name, clusterIp, Long.toString(rv)),
          rv);
      rv = objects.nextVersion();
      objects.load(
          "/apis/discovery.k8s.io/v1/endpointslices",
          ns + "/" + name + "-x7k2p",
          "EndpointSlice",
          ClusterObjects.endpointSlice(ns, name, pod, endpoints, Long.toString(rv)),
          rv);
      for (int i = 0; i < endpoints; i++, pod++) {
        rv = objects.nextVersion();
        objects.load(
            "/api/v1/pods",
            ns + "/" + ClusterObjects.podName(name, i),
            "Pod",
            ClusterObjects.pod(ns, name, i, pod, Long.toString(rv)),
            rv);
      }
    }
  }

  /** Services whose route the leader has acknowledged ({@code service.fly.io/sync-version}). */
  static long acknowledged(ApiObjects objects) {
    return objects.resource(SERVICES).objects.values().stream()
        .filter(s -> s.json().contains("\"service.fly.io/sync-version\""))
        .count();
  }
}
