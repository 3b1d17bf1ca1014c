package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local node's Pods in the API, as the kubelet writes them: created bound to this node with
 * their address in the status (there is no scheduler), their status kept true, marked deleting and
 * deleted when their process is gone. It also watches Pods, so that one deleted through the API
 * (kubectl delete pod) is stopped. Everything here is an API call; the processes are {@link
 * ContainerProcesses}', the lifecycle between them {@link PodSupervisor}'s.
 */
final class PodObjects {
  private static final Logger log = LoggerFactory.getLogger(PodObjects.class);

  static final String NODE_NAME = "flycast-local";

  private final KubernetesClient client;
  private SharedIndexInformer<Pod> informer;

  PodObjects(KubernetesClient client) {
    this.client = client;
  }

  /** The Pod informer, not started yet; {@code deleted} hears of every Pod deleted. */
  SharedIndexInformer<Pod> watch(Consumer<Pod> deleted) {
    informer = client.pods().inAnyNamespace().runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod p) {}

          @Override
          public void onUpdate(Pod oldPod, Pod newPod) {}

          @Override
          public void onDelete(Pod p, boolean unknownFinalState) {
            deleted.accept(p);
          }
        });
    return informer;
  }

  /** The Pod of that {@code namespace/name} key as the informer last saw it, or null. */
  Pod cached(String key) {
    return informer.getStore().getByKey(key);
  }

  /** Creates {@code pod} bound to this node with {@code local}'s status; its uid, or null. */
  String create(Pod pod, LocalPod local) {
    Pod bound =
        new PodBuilder(pod)
            .editSpec()
            .withNodeName(NODE_NAME)
            .endSpec()
            .withStatus(status(local))
            .build();
    try {
      return client
          .pods()
          .inNamespace(local.namespace)
          .resource(bound)
          .create()
          .getMetadata()
          .getUid();
    } catch (KubernetesClientException e) {
      log.warn("could not create Pod {}: {}", local.key(), e.toString());
      return null;
    }
  }

  void updateStatus(LocalPod pod) {
    PodStatus status = status(pod);
    StatusWrites.edit(
        client.pods().inNamespace(pod.namespace).withName(pod.name),
        p -> {
          p.setStatus(status);
          return p;
        },
        "Pod " + pod.key());
  }

  /**
   * Marks the Pod as a graceful delete does on a real API server ({@code deletionTimestamp}, {@code
   * deletionGracePeriodSeconds}), so that watchers tell a terminating pod from a starting one (both
   * are unready and listening): early probing must not route to a pod on its way out.
   */
  void markDeleting(LocalPod pod) {
    try {
      client
          .pods()
          .inNamespace(pod.namespace)
          .withName(pod.name)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"deletionTimestamp\":\""
                  + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                  + "\",\"deletionGracePeriodSeconds\":"
                  + pod.graceSeconds
                  + "}}");
    } catch (KubernetesClientException e) {
      log.debug("could not mark Pod {} as deleting: {}", pod.key(), e.toString());
    }
  }

  void delete(LocalPod pod) {
    try {
      client.pods().inNamespace(pod.namespace).withName(pod.name).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete Pod {}: {}", pod.key(), e.toString());
    }
  }

  private static PodStatus status(LocalPod pod) {
    String now = Instant.now().toString();
    String ready = pod.ready ? "True" : "False";
    return new PodStatusBuilder()
        .withPhase("Running")
        .withPodIP(pod.ip)
        .withPodIPs(new PodIP(pod.ip))
        .withHostIP("127.0.0.1")
        .withStartTime(pod.startedAt.toString())
        .withConditions(
            new PodConditionBuilder()
                .withType("Ready")
                .withStatus(ready)
                .withLastTransitionTime(now)
                .build(),
            new PodConditionBuilder()
                .withType("ContainersReady")
                .withStatus(ready)
                .withLastTransitionTime(now)
                .build())
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName("main")
                .withReady(pod.ready)
                .withRestartCount(pod.restarts)
                .withStarted(pod.process != null)
                // A kubelet reports the running state; kubectl counts a container toward READY
                // 1/1 only with it.
                .withState(
                    pod.process != null
                        ? new ContainerStateBuilder()
                            .withNewRunning()
                            .withStartedAt(pod.startedAt.toString())
                            .endRunning()
                            .build()
                        : new ContainerStateBuilder()
                            .withNewWaiting()
                            .withReason("ContainerCreating")
                            .endWaiting()
                            .build())
                .build())
        .build();
  }
}
