package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The status half of the Deployment and StatefulSet controllers: mirrors how many of a workload's
 * pods run and how many are ready into its status, with the generation observed, for whoever reads
 * it as they would in a cluster ({@code kubectl get deployments}, a test waiting for readiness). A
 * status is written only when those numbers changed since the last write.
 */
final class WorkloadStatusWriter {
  private final KubernetesClient client;

  /** What was last written, as "replicas/ready/generation", by workload. */
  private final Map<WorkloadKey, String> written = new HashMap<>();

  WorkloadStatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Writes the status of {@code workload} for its {@code pods}; nothing when the workload is gone.
   */
  void publish(WorkloadKey key, HasMetadata workload, List<LocalPod> pods) {
    if (workload == null) {
      return;
    }
    int replicas = (int) pods.stream().filter(p -> !p.terminating).count();
    int ready = (int) pods.stream().filter(p -> !p.terminating && p.ready).count();
    Long generation = workload.getMetadata().getGeneration();
    int desired = desired(workload);
    String summary = replicas + "/" + ready + "/" + generation + "/" + desired;
    if (summary.equals(written.get(key))) {
      return;
    }
    written.put(key, summary);
    if (workload instanceof Deployment) {
      StatusWrites.edit(
          client.apps().deployments().inNamespace(key.namespace()).withName(key.name()),
          d -> {
            DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
            s.setReplicas(replicas);
            s.setReadyReplicas(ready);
            s.setAvailableReplicas(ready);
            s.setUpdatedReplicas(replicas);
            s.setUnavailableReplicas(Math.max(0, replicas - ready));
            s.setObservedGeneration(generation);
            DeploymentConditions.set(s, key.name(), desired, replicas, ready);
            d.setStatus(s);
            return d;
          },
          "Deployment " + key.storeKey());
    } else {
      StatusWrites.edit(
          client.apps().statefulSets().inNamespace(key.namespace()).withName(key.name()),
          d -> {
            StatefulSetStatus s = d.getStatus() == null ? new StatefulSetStatus() : d.getStatus();
            s.setReplicas(replicas);
            s.setReadyReplicas(ready);
            s.setAvailableReplicas(ready);
            s.setCurrentReplicas(replicas);
            s.setUpdatedReplicas(replicas);
            s.setObservedGeneration(generation);
            d.setStatus(s);
            return d;
          },
          "StatefulSet " + key.storeKey());
    }
  }

  /** The replicas the spec asks for (1 when it leaves them out, as the API defaults it). */
  private static int desired(HasMetadata workload) {
    Integer n =
        workload instanceof Deployment d
            ? d.getSpec().getReplicas()
            : ((StatefulSet) workload).getSpec().getReplicas();
    return n == null ? 1 : n;
  }

  /** Forgets a workload that is gone with all its pods: one of the same name starts afresh. */
  void forget(WorkloadKey key) {
    written.remove(key);
  }
}
