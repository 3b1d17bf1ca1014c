package io.flycast.control;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.flycast.api.ExposedService;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Service an ExposedService owns, so Kubernetes' EndpointSlice machinery tracks its pods (and
 * in-cluster clients can also reach them the ordinary way). Same name as the ExposedService; its
 * EndpointSlices are the route's backends. Deleted with its owner by garbage collection.
 */
public final class ExposedServiceServiceDependent extends CRUDKubernetesDependentResource<Service, ExposedService> {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  public ExposedServiceServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(ExposedService es, Context<ExposedService> context) {
    var meta = es.getMetadata();
    Map<String, String> annotations = new LinkedHashMap<>();
    var st = es.getStatus();
    if (st != null && st.address != null) {
      annotations.put(FlycastAnnotations.CLUSTERIP_ALLOCATOR, FlycastAnnotations.CLUSTERIP_ALLOCATOR_CONFIGURED);
      annotations.put(FlycastAnnotations.FLYCAST_IP, st.address);
      if (st.syncVersion != null) {
        annotations.put(FlycastAnnotations.SYNC_VERSION, st.syncVersion.toString());
      }
    }
    var ports = es.getSpec().ports.stream()
        .filter(p -> p.port != null)
        .map(p -> new ServicePortBuilder()
            .withName("port-" + p.port)
            .withProtocol("TCP")
            .withPort(p.port)
            .withNewTargetPort(es.getSpec().internalPort)
            .build())
        .distinct()
        .toList();
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(meta.getName())
        .withNamespace(meta.getNamespace())
        .addToLabels(MANAGED_BY, "flycast")
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(es.getSpec().selector)
        .withPorts(ports)
        .endSpec()
        .build();
  }
}
