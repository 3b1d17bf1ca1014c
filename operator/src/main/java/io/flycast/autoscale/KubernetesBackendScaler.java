package io.flycast.autoscale;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntUnaryOperator;

/**
 * Scales workloads through their {@code /scale} subresource, so anything scalable works
 * (Deployment, StatefulSet, custom resources with a scale subresource). Without a {@code
 * scaleTargetRef}, the target is the Deployment or StatefulSet whose pod template matches the
 * route's Service selector: that works at zero replicas, when no pod is left to ask.
 */
public final class KubernetesBackendScaler implements BackendScaler {
  /** Kubernetes removes the pod with the lowest cost first on scale-down. */
  public static final String POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

  private final KubernetesClient client;
  private final ScaleKinds kinds;
  private final Map<io.flycast.catalog.RouteKey, ScaleTarget> inferred = new ConcurrentHashMap<>();

  public KubernetesBackendScaler(KubernetesClient client) {
    this(client, ScaleKinds.BUILT_IN);
  }

  /**
   * @param kinds the kinds this install may scale (its RBAC's {@code /scale} grants), with their
   *     resource names, so a custom kind's path needs no discovery call; others are refused
   */
  public KubernetesBackendScaler(KubernetesClient client, ScaleKinds kinds) {
    this.client = client;
    this.kinds = kinds;
  }

  @Override
  public int replicas(RouteSpec route) throws ScaleException {
    ScaleTarget t = target(route);
    var r = resource(route, t);
    try {
      Scale s = r.scale();
      return s == null || s.getSpec() == null || s.getSpec().getReplicas() == null
          ? 0
          : s.getSpec().getReplicas();
    } catch (KubernetesClientException e) {
      throw new ScaleException(
          "cannot read the scale of " + describe(route, t) + ": " + e.getMessage(), e);
    }
  }

  /** Writes tried when they conflict with another change of the workload. */
  static final int MAX_ATTEMPTS = 5;

  /** Wait before the second write; doubled for each further one (50, 100, 200, 400 ms). */
  static final long FIRST_BACKOFF_MILLIS = 50;

  @Override
  public Scaled scale(RouteSpec route, IntUnaryOperator decide) throws ScaleException {
    ScaleTarget t = target(route);
    var r = resource(route, t);
    for (int attempt = 1; ; attempt++) {
      int from = 0;
      int to = 0;
      try {
        Scale s = r.scale();
        from =
            s == null || s.getSpec() == null || s.getSpec().getReplicas() == null
                ? 0
                : s.getSpec().getReplicas();
        to = decide.applyAsInt(from);
        if (to == from) {
          return new Scaled(from, from);
        }
        s.getSpec().setReplicas(to); // with the resourceVersion read: a change in between is a 409
        r.scale(s);
        return new Scaled(from, to);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 && attempt < MAX_ATTEMPTS) {
          backoff(attempt);
          continue;
        }
        throw new ScaleException(
            "cannot scale "
                + describe(route, t)
                + " from "
                + from
                + " to "
                + to
                + (e.getCode() == 409 ? " (it kept changing under " + attempt + " attempts)" : "")
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Waits before the next attempt. A plain sleep is right here: scale calls are blocking API calls
   * that run on autoscale's own threads (the scale executor and the autostop timer), never on an
   * event loop of the proxy, and the wait is bounded (750 ms over all attempts, plus jitter).
   */
  private static void backoff(int attempt) throws ScaleException {
    long millis = FIRST_BACKOFF_MILLIS << (attempt - 1);
    try {
      Thread.sleep(
          millis + java.util.concurrent.ThreadLocalRandom.current().nextLong(millis / 2 + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ScaleException("interrupted while retrying a scale", e);
    }
  }

  @Override
  public void markForRemoval(RouteSpec route, Backend backend) throws ScaleException {
    try {
      client
          .pods()
          .inNamespace(route.key().namespace())
          .withName(backend.name())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\"" + POD_DELETION_COST + "\":\"-1000\"}}}");
    } catch (KubernetesClientException e) {
      throw new ScaleException(
          "cannot mark pod " + backend.name() + " for removal: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean removesHighestOrdinal(RouteSpec route) throws ScaleException {
    return "StatefulSet".equals(target(route).kind());
  }

  @Override
  public void unmarkForRemoval(RouteSpec route, Backend backend) throws ScaleException {
    try {
      client
          .pods()
          .inNamespace(route.key().namespace())
          .withName(backend.name())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\"" + POD_DELETION_COST + "\":null}}}");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) { // gone already: nothing to take off
        throw new ScaleException("cannot unmark pod " + backend.name() + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * The target's API object, addressed by the resource name this install was given for its kind. A
   * kind it may not scale is refused here too, though the translators already turned autoscale off
   * for such a route: RBAC would refuse it anyway, with a less helpful message.
   */
  private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(
      RouteSpec route, ScaleTarget t) throws ScaleException {
    String apiVersion =
        t.apiVersion() == null || t.apiVersion().isEmpty() ? "apps/v1" : t.apiVersion();
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    ScaleKinds.Kind kind =
        kinds
            .find(group, t.kind())
            .orElseThrow(
                () ->
                    new ScaleException(
                        "cannot scale "
                            + describe(route, t)
                            + ": this install may scale only "
                            + kinds.describe()
                            + " (--scale-kinds)"));
    var context =
        new ResourceDefinitionContext.Builder()
            .withGroup(group)
            .withVersion(apiVersion.substring(slash + 1))
            .withKind(t.kind())
            .withPlural(kind.resource())
            .withNamespaced(true)
            .build();
    return client
        .genericKubernetesResources(context)
        .inNamespace(route.key().namespace())
        .withName(t.name());
  }

  @Override
  public String whyNoWorkload(RouteSpec route) {
    try {
      ScaleTarget t = target(route);
      if (route.scaleTarget() != null) {
        // Through the scale subresource, the one read the install's RBAC grants for every kind.
        try {
          resource(route, t).scale();
        } catch (KubernetesClientException e) {
          if (e.getCode() == 404) {
            return describe(route, t) + " (its scaleTargetRef) does not exist";
          }
          throw e;
        }
      }
      return null;
    } catch (ScaleException e) {
      return e.getMessage();
    } catch (KubernetesClientException e) {
      return null; // the API cannot say now; autostart will, if it fails
    }
  }

  /**
   * The explicit target, or the workload whose pod template matches the route's Service selector.
   */
  ScaleTarget target(RouteSpec route) throws ScaleException {
    if (route.scaleTarget() != null) {
      return route.scaleTarget();
    }
    ScaleTarget known = inferred.get(route.key());
    if (known != null) {
      return known;
    }
    Service svc =
        client.services().inNamespace(route.key().namespace()).withName(route.key().name()).get();
    Map<String, String> selector =
        svc == null || svc.getSpec().getSelector() == null ? Map.of() : svc.getSpec().getSelector();
    if (selector.isEmpty()) {
      throw new ScaleException(
          "route "
              + route.key()
              + " has no scaleTargetRef and its Service has no selector to find the workload by");
    }
    String ns = route.key().namespace();
    // Only among the kinds this install may scale (and list: the chart grants both together).
    Optional<ScaleTarget> found = Optional.empty();
    if (kinds.find("apps", "Deployment").isPresent()) {
      found =
          matching(
              client.apps().deployments().inNamespace(ns).list().getItems(),
              selector,
              d -> d.getSpec().getTemplate().getMetadata().getLabels(),
              "Deployment");
    }
    if (found.isEmpty() && kinds.find("apps", "StatefulSet").isPresent()) {
      found =
          matching(
              client.apps().statefulSets().inNamespace(ns).list().getItems(),
              selector,
              s -> s.getSpec().getTemplate().getMetadata().getLabels(),
              "StatefulSet");
    }
    ScaleTarget t =
        found.orElseThrow(
            () ->
                new ScaleException(
                    "no Deployment or StatefulSet in "
                        + ns
                        + " has pods matching "
                        + selector
                        + "; set scaleTargetRef (or fly.io/scale-target) on "
                        + route.key()));
    inferred.put(route.key(), t);
    return t;
  }

  private static <T extends HasMetadata> Optional<ScaleTarget> matching(
      List<T> items,
      Map<String, String> selector,
      java.util.function.Function<T, Map<String, String>> labels,
      String kind) {
    return items.stream()
        .filter(
            i ->
                labels.apply(i) != null
                    && labels.apply(i).entrySet().containsAll(selector.entrySet()))
        .map(i -> new ScaleTarget("apps/v1", kind, i.getMetadata().getName()))
        .findFirst();
  }

  private static String describe(RouteSpec route, ScaleTarget t) {
    return t.kind() + " " + route.key().namespace() + "/" + t.name();
  }
}
