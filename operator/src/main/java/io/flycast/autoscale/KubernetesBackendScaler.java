package io.flycast.autoscale;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scales workloads through their {@code /scale} subresource, so anything scalable works
 * (Deployment, StatefulSet, custom resources with a scale subresource). Without a
 * {@code scaleTargetRef}, the target is the Deployment or StatefulSet whose pod template matches
 * the route's Service selector: that works at zero replicas, when no pod is left to ask.
 */
public final class KubernetesBackendScaler implements BackendScaler {
  /** Kubernetes removes the pod with the lowest cost first on scale-down. */
  public static final String POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

  private final KubernetesClient client;
  private final Map<io.flycast.catalog.RouteKey, ScaleTarget> inferred = new ConcurrentHashMap<>();

  public KubernetesBackendScaler(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public int replicas(RouteSpec route) throws ScaleException {
    ScaleTarget t = target(route);
    try {
      Scale s = resource(route, t).scale();
      return s == null || s.getSpec() == null || s.getSpec().getReplicas() == null ? 0 : s.getSpec().getReplicas();
    } catch (KubernetesClientException e) {
      throw new ScaleException("cannot read the scale of " + describe(route, t) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void scaleTo(RouteSpec route, int replicas) throws ScaleException {
    ScaleTarget t = target(route);
    try {
      var r = resource(route, t);
      Scale s = r.scale();
      s.getSpec().setReplicas(replicas);
      r.scale(s);
    } catch (KubernetesClientException e) {
      throw new ScaleException("cannot scale " + describe(route, t) + " to " + replicas + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void markForRemoval(RouteSpec route, Backend backend) throws ScaleException {
    try {
      client.pods().inNamespace(route.key().namespace()).withName(backend.name())
          .patch(PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\"" + POD_DELETION_COST + "\":\"-1000\"}}}");
    } catch (KubernetesClientException e) {
      throw new ScaleException("cannot mark pod " + backend.name() + " for removal: " + e.getMessage(), e);
    }
  }

  private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(RouteSpec route, ScaleTarget t) {
    return client.genericKubernetesResources(t.apiVersion().isEmpty() ? "apps/v1" : t.apiVersion(), t.kind())
        .inNamespace(route.key().namespace()).withName(t.name());
  }

  /** The explicit target, or the workload whose pod template matches the route's Service selector. */
  ScaleTarget target(RouteSpec route) throws ScaleException {
    if (route.scaleTarget() != null) {
      return route.scaleTarget();
    }
    ScaleTarget known = inferred.get(route.key());
    if (known != null) {
      return known;
    }
    Service svc = client.services().inNamespace(route.key().namespace()).withName(route.key().name()).get();
    Map<String, String> selector = svc == null || svc.getSpec().getSelector() == null ? Map.of() : svc.getSpec().getSelector();
    if (selector.isEmpty()) {
      throw new ScaleException("route " + route.key() + " has no scaleTargetRef and its Service has no selector to find the workload by");
    }
    String ns = route.key().namespace();
    Optional<ScaleTarget> found = matching(client.apps().deployments().inNamespace(ns).list().getItems(), selector,
        d -> d.getSpec().getTemplate().getMetadata().getLabels(), "Deployment")
        .or(() -> matching(client.apps().statefulSets().inNamespace(ns).list().getItems(), selector,
            s -> s.getSpec().getTemplate().getMetadata().getLabels(), "StatefulSet"));
    ScaleTarget t = found.orElseThrow(() -> new ScaleException("no Deployment or StatefulSet in " + ns
        + " has pods matching " + selector + "; set scaleTargetRef (or fly.io/scale-target) on " + route.key()));
    inferred.put(route.key(), t);
    return t;
  }

  private static <T extends HasMetadata> Optional<ScaleTarget> matching(List<T> items, Map<String, String> selector,
      java.util.function.Function<T, Map<String, String>> labels, String kind) {
    return items.stream()
        .filter(i -> labels.apply(i) != null && labels.apply(i).entrySet().containsAll(selector.entrySet()))
        .map(i -> new ScaleTarget("apps/v1", kind, i.getMetadata().getName()))
        .findFirst();
  }

  private static String describe(RouteSpec route, ScaleTarget t) {
    return t.kind() + " " + route.key().namespace() + "/" + t.name();
  }
}
