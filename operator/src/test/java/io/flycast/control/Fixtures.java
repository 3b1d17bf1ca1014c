package io.flycast.control;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.allocation.AddressRange;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.translate.EndpointSliceTranslator;
import java.net.InetAddress;
import java.util.Map;

/** Small builders shared by the control-plane tests. */
public final class Fixtures {
  private Fixtures() {}

  public static Service service(String ns, String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withSelector(Map.of("app", name))
        .addNewPort()
        .withName("http")
        .withPort(80)
        .withNewTargetPort(8080)
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  public static Service flycastService(String ns, String name) {
    return service(ns, name, Map.of(FlycastAnnotations.FLYCAST, "true"));
  }

  /**
   * Lets autostop go down to zero: {@code minMachinesRunning: 0} on an ExposedService, as a merge
   * patch, as kubectl patch sends it. {@code edit()} pins the resourceVersion it read, and the
   * operator's status writes in between would make that a 409 on any API server.
   */
  public static void lowerMinimum(KubernetesClient client, String ns, String name) {
    client
        .resources(io.flycast.api.ExposedService.class)
        .inNamespace(ns)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"minMachinesRunning\":0}}");
  }

  /**
   * Patches a Service the way kubectl does (a JSON merge patch, no resourceVersion): unlike
   * Fabric8's {@code edit}, which pins the version it read, it cannot lose a race against the
   * operator's own writes to the Service (its annotations and status).
   */
  public static void patchService(KubernetesClient client, String ns, String name, String json) {
    client
        .services()
        .inNamespace(ns)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            json);
  }

  public static String annotation(KubernetesClient client, String ns, String name, String key) {
    Service s = client.services().inNamespace(ns).withName(name).get();
    return s == null || s.getMetadata().getAnnotations() == null
        ? null
        : s.getMetadata().getAnnotations().get(key);
  }

  public static InetAddress addressOf(KubernetesClient client, String ns, String name) {
    String a = annotation(client, ns, name, FlycastAnnotations.FLYCAST_IP);
    return a == null ? null : EndpointSliceTranslator.literal(a);
  }

  public static Route route(Catalog c, String ns, String name) {
    return c.route(new RouteKey(ns, name));
  }

  public static boolean inPrefix(InetAddress a, String prefix) {
    return AddressRange.forPrefix(prefix).contains(a);
  }
}
