package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The Deployments and StatefulSets of {@link LocalRuntimeIT}: workload {@code name} in {@code ns},
 * its pods labelled and selected by {@code app=<name>}.
 */
public final class Workloads {
  private Workloads() {}

  /**
   * {@code replicas} pods of the echo app with a grace period of 2 s, listening on container port
   * 8080 named http and Ready once they listen.
   */
  public static DeploymentBuilder deployment(
      String ns, String name, int replicas, Map<String, String> annotations) {
    PodSpec pod =
        new PodSpecBuilder()
            .withTerminationGracePeriodSeconds(2L)
            .addNewContainer()
            .withName("main")
            .withImage("echo")
            .addNewPort()
            .withContainerPort(8080)
            .withName("http")
            .endPort()
            // Ready once it listens, as workloads are written for a cluster: without a probe the
            // kubelet (and the local runtime) report a pod Ready as soon as it started.
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withPort(new IntOrString("http"))
            .endTcpSocket()
            .withPeriodSeconds(1)
            .endReadinessProbe()
            .endContainer()
            .build();
    return new DeploymentBuilder()
        .withMetadata(metadata(ns, name))
        .withNewSpec()
        .withReplicas(replicas)
        .withSelector(selector(name))
        .withTemplate(template(name, annotations, pod))
        .endSpec();
  }

  /** {@code replicas} pods of a container named main (nothing else set), a grace period of 1 s. */
  static StatefulSet statefulSet(String ns, String name, int replicas) {
    PodSpec pod =
        new PodSpecBuilder()
            .withTerminationGracePeriodSeconds(1L)
            .addNewContainer()
            .withName("main")
            .endContainer()
            .build();
    return new StatefulSetBuilder()
        .withMetadata(metadata(ns, name))
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(name)
        .withSelector(selector(name))
        .withTemplate(template(name, null, pod))
        .endSpec()
        .build();
  }

  /** {@code d} with its pod spec edited. */
  static DeploymentBuilder editPod(DeploymentBuilder d, UnaryOperator<PodSpecBuilder> edit) {
    PodSpec pod = d.buildSpec().getTemplate().getSpec();
    return d.editSpec()
        .editTemplate()
        .withSpec(edit.apply(new PodSpecBuilder(pod)).build())
        .endTemplate()
        .endSpec();
  }

  /** {@code d} with its (one) container edited. */
  static DeploymentBuilder editContainer(
      DeploymentBuilder d, UnaryOperator<ContainerBuilder> edit) {
    return editPod(
        d,
        pod ->
            pod.withContainers(
                edit.apply(new ContainerBuilder(pod.buildFirstContainer())).build()));
  }

  /** Creates {@code d} in its namespace. */
  static Deployment createDeployment(KubernetesClient c, DeploymentBuilder d) {
    Deployment deployment = d.build();
    return c.apps()
        .deployments()
        .inNamespace(deployment.getMetadata().getNamespace())
        .resource(deployment)
        .create();
  }

  private static ObjectMeta metadata(String ns, String name) {
    return new ObjectMetaBuilder().withName(name).withNamespace(ns).build();
  }

  private static LabelSelector selector(String app) {
    return new LabelSelectorBuilder().withMatchLabels(Map.of("app", app)).build();
  }

  /** Pods labelled app={@code app}, with {@code annotations} (null: none). */
  private static PodTemplateSpec template(
      String app, Map<String, String> annotations, PodSpec pod) {
    ObjectMetaBuilder metadata = new ObjectMetaBuilder().withLabels(Map.of("app", app));
    if (annotations != null) {
      metadata.withAnnotations(annotations);
    }
    return new PodTemplateSpecBuilder().withMetadata(metadata.build()).withSpec(pod).build();
  }
}
