package io.flycast.control.translate;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.flycast.api.ExposedService;
import io.flycast.control.FlycastAnnotations;
import java.util.function.Function;

/**
 * Decides which plain Services Flycast manages: those annotated {@code fly.io/flycast: "true"},
 * those in a namespace labelled {@code fly.io/flycast=enabled}, or every Service in FKS mode
 * ({@code --all-services}). Services owned by an ExposedService are that resource's business.
 */
public final class ManagedServicePolicy {
  private final boolean allServices;
  private final Function<String, Namespace> namespaces;

  /**
   * @param allServices FKS mode: manage every Service
   * @param namespaces looks a namespace up by name in a local cache (null when unknown)
   */
  public ManagedServicePolicy(boolean allServices, Function<String, Namespace> namespaces) {
    this.allServices = allServices;
    this.namespaces = namespaces;
  }

  public boolean isManaged(Service svc) {
    if (ownedByExposedService(svc)) {
      return false;
    }
    if (svc.getSpec() != null && "ExternalName".equals(svc.getSpec().getType())) {
      return false; // a DNS alias has nothing to proxy to
    }
    if (allServices) {
      return true;
    }
    var ann = svc.getMetadata().getAnnotations();
    if (ann != null && "true".equalsIgnoreCase(ann.get(FlycastAnnotations.FLYCAST))) {
      return true;
    }
    Namespace ns = namespaces.apply(svc.getMetadata().getNamespace());
    return ns != null
        && ns.getMetadata().getLabels() != null
        && FlycastAnnotations.NAMESPACE_LABEL_ENABLED.equals(
            ns.getMetadata().getLabels().get(FlycastAnnotations.NAMESPACE_LABEL));
  }

  public static boolean ownedByExposedService(Service svc) {
    var refs = svc.getMetadata().getOwnerReferences();
    return refs != null
        && refs.stream()
            .anyMatch(
                r ->
                    ExposedService.KIND.equals(r.getKind())
                        && r.getApiVersion() != null
                        && r.getApiVersion().startsWith(ExposedService.GROUP + "/"));
  }

  /**
   * Whether Flycast has written its marks on this Service (so it must clean them up if unmanaged).
   */
  public static boolean carriesOurMarks(Service svc) {
    var ann = svc.getMetadata().getAnnotations();
    return ann != null
        && (ann.containsKey(FlycastAnnotations.FLYCAST_IP)
            || ann.containsKey(FlycastAnnotations.CLUSTERIP_ALLOCATOR));
  }
}
