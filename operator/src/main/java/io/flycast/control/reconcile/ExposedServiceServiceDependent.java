package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.flycast.api.ExposedService;
import io.flycast.control.FlycastAnnotations;
import io.flycast.informer.Informers;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Service an ExposedService owns, so Kubernetes' EndpointSlice machinery tracks its pods (and
 * in-cluster clients can also reach them the ordinary way). Same name as the ExposedService; its
 * EndpointSlices are the route's backends. Deleted with its owner by garbage collection.
 */
@KubernetesDependent(
    informer =
        @Informer(
            labelSelector = ExposedServiceServiceDependent.MANAGED_BY + "=flycast",
            itemStore = ExposedServiceServiceDependent.TrimmedServices.class,
            informerListLimit = Informers.LIST_LIMIT))
public final class ExposedServiceServiceDependent
    extends CRUDKubernetesDependentResource<Service, ExposedService> {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /**
   * This dependent's informer keeps Services as the other informers do (see io.flycast.informer),
   * and only those labelled as Flycast's (every Service {@link #desired} makes is): without the
   * selector it would be one more copy of every Service in the cluster.
   */
  public static final class TrimmedServices extends TrimmedItemStore<Service> {
    public TrimmedServices() {
      super(Trim::metadata);
    }
  }

  public ExposedServiceServiceDependent() {
    super(Service.class);
  }

  /**
   * The port numbers of the spec that could be read, in order, without repeats. A Service needs
   * one: with none, there is none (see {@link HasPorts}).
   */
  public static List<Integer> ports(ExposedService es) {
    var spec = es.getSpec();
    return spec == null || spec.ports == null
        ? List.of()
        : spec.ports.stream()
            .filter(p -> p != null && p.port != null)
            .map(p -> p.port)
            .distinct()
            .toList();
  }

  /**
   * Whether the ExposedService can have its Service: not when no port of it could be read (a
   * Service without ports is refused, and that refusal would keep the status, which says what is
   * wrong, from being written).
   */
  public static final class HasPorts implements Condition<Service, ExposedService> {
    @Override
    public boolean isMet(
        DependentResource<Service, ExposedService> dependent,
        ExposedService es,
        Context<ExposedService> context) {
      return !ports(es).isEmpty();
    }
  }

  @Override
  protected Service desired(ExposedService es, Context<ExposedService> context) {
    var meta = es.getMetadata();
    Map<String, String> annotations = new LinkedHashMap<>();
    var st = es.getStatus();
    if (st != null && st.address != null) {
      annotations.put(
          FlycastAnnotations.CLUSTERIP_ALLOCATOR,
          FlycastAnnotations.CLUSTERIP_ALLOCATOR_CONFIGURED);
      annotations.put(FlycastAnnotations.FLYCAST_IP, st.address);
      if (st.syncVersion != null) {
        annotations.put(FlycastAnnotations.SYNC_VERSION, st.syncVersion.toString());
      }
    }
    var spec = es.getSpec();
    var ports =
        ports(es).stream()
            .map(
                p -> {
                  var b =
                      new ServicePortBuilder()
                          .withName("port-" + p)
                          .withProtocol("TCP")
                          .withPort(p);
                  // Without a readable internalPort, Kubernetes' default: the same port.
                  return (spec.internalPort == null ? b : b.withNewTargetPort(spec.internalPort))
                      .build();
                })
            .toList();
    Map<String, String> selector = new LinkedHashMap<>();
    if (spec.selector != null) {
      spec.selector.forEach(
          (k, v) -> {
            if (k != null && v != null) {
              selector.put(
                  k, v); // a value that could not be read is reported on the ExposedService
            }
          });
    }
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(meta.getName())
        .withNamespace(meta.getNamespace())
        .addToLabels(MANAGED_BY, "flycast")
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(selector)
        .withPorts(ports)
        .endSpec()
        .build();
  }
}
