package io.flycast.autoscale;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.HandlerName;
import io.flycast.api.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Workloads the local runtime runs (echo backends) and the ExposedServices that autoscale them. */
public final class TestApps {
  private TestApps() {}

  /** A Deployment of echo backends on port 8080, in namespace {@code ns} (created if needed). */
  public static void workload(
      KubernetesClient client,
      String ns,
      String name,
      int replicas,
      Map<String, String> podAnnotations) {
    workload(client, ns, name, replicas, podAnnotations, listening(8080));
  }

  /** The same with {@code probe} as the pods' readiness probe (null: none). */
  static void workload(
      KubernetesClient client,
      String ns,
      String name,
      int replicas,
      Map<String, String> podAnnotations,
      Probe probe) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .createOr(n -> n.update());
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .addToAnnotations(podAnnotations)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(5L)
                .addNewContainer()
                .withName("echo")
                .withImage("echo")
                .addNewPort()
                .withContainerPort(8080)
                .endPort()
                .withReadinessProbe(probe)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /**
   * A readiness probe that passes once the pod listens, every second (the shortest period): what
   * these tests wait on, where a pod without a probe would be Ready before it listens.
   */
  static Probe listening(int port) {
    return new ProbeBuilder()
        .withNewTcpSocket()
        .withPort(new IntOrString(port))
        .endTcpSocket()
        .withPeriodSeconds(1)
        .build();
  }

  /** A StatefulSet of echo backends on port 8080 (pods {@code <name>-0}, {@code <name>-1}...). */
  static void statefulSet(KubernetesClient client, String ns, String name, int replicas) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .createOr(n -> n.update());
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .resource(
            new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(name)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(5L)
                .addNewContainer()
                .withName("echo")
                .withImage("echo")
                .addNewPort()
                .withContainerPort(8080)
                .endPort()
                .withReadinessProbe(listening(8080))
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /**
   * An ExposedService for it: HTTP on 80, autostop and autostart on, down to zero; then {@code
   * tweak}.
   */
  static ExposedService exposed(
      KubernetesClient client, String ns, String name, Consumer<ExposedServiceSpec> tweak) {
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    ExposedServiceSpec spec = new ExposedServiceSpec();
    spec.selector = Map.of("app", name);
    spec.internalPort = 8080;
    ServicePort p = new ServicePort();
    p.port = 80;
    p.handlers = List.of(HandlerName.HTTP);
    spec.ports = List.of(p);
    spec.autoStopMachines = io.flycast.api.AutoStopMode.STOP;
    spec.autoStartMachines = true;
    spec.minMachinesRunning = 0;
    tweak.accept(spec);
    es.setSpec(spec);
    return client.resources(ExposedService.class).inNamespace(ns).resource(es).create();
  }
}
