package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flycast.embedded.runtime.WorkloadKey.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment and StatefulSet controllers: keeps as many pods of each workload as it asks for,
 * made from its pod template, which the {@link PodSupervisor} runs; reports them in the workload's
 * status ({@link WorkloadStatusWriter}). It reconciles a workload when the workload changes and
 * when one of its pods becomes ready, is gone, or is deleted through the API.
 *
 * <p>Scaling down removes, for Deployments, the pods with the lowest {@code
 * controller.kubernetes.io/pod-deletion-cost} first, then the newest; for StatefulSets the highest
 * ordinals. A changed Deployment pod template is rolled out one pod at a time.
 *
 * <p>Simplifications, compared with a cluster: Deployment pods are owned directly by the Deployment
 * (no ReplicaSet); a rollout is maxSurge 1 and maxUnavailable 0, whatever the strategy says; a
 * changed StatefulSet template applies to new pods only. Runs on the runtime thread.
 */
final class WorkloadController implements PodListener {
  private static final Logger log = LoggerFactory.getLogger(WorkloadController.class);

  static final String DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

  /**
   * Kubernetes' alphabet for generated names: no vowels (no words), no 0, 1, 3 (no look-alikes).
   */
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final KubernetesClient client;
  private final RuntimeLoop loop;
  private final PodSupervisor supervisor;
  private final WorkloadStatusWriter status;

  /** The pods of each workload, terminating ones included, oldest first. */
  private final Map<WorkloadKey, List<LocalPod>> workloads = new HashMap<>();

  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<StatefulSet> statefulSets;

  WorkloadController(KubernetesClient client, RuntimeLoop loop, PodSupervisor supervisor) {
    this.client = client;
    this.loop = loop;
    this.supervisor = supervisor;
    this.status = new WorkloadStatusWriter(client);
  }

  /**
   * The Deployment and StatefulSet informers, not started yet: any change reconciles the workload.
   */
  List<SharedIndexInformer<?>> watchWorkloads() {
    deployments = client.apps().deployments().inAnyNamespace().runnableInformer(0);
    deployments.addEventHandler(
        loop.onEveryChange(d -> reconcile(WorkloadKey.of(Kind.DEPLOYMENT, d))));
    statefulSets = client.apps().statefulSets().inAnyNamespace().runnableInformer(0);
    statefulSets.addEventHandler(
        loop.onEveryChange(s -> reconcile(WorkloadKey.of(Kind.STATEFULSET, s))));
    return List.of(deployments, statefulSets);
  }

  @Override
  public void ready(LocalPod pod) {
    publishStatus(pod.owner);
    reconcile(pod.owner); // a rolling update waits for new pods to be ready
  }

  @Override
  public void crashed(LocalPod pod) {
    publishStatus(pod.owner);
  }

  @Override
  public void gone(LocalPod pod) {
    List<LocalPod> pods = workloads.get(pod.owner);
    if (pods != null) {
      pods.remove(pod);
    }
    reconcile(pod.owner);
  }

  @Override
  public void deletedThroughApi(LocalPod pod) {
    reconcile(pod.owner); // replace it
  }

  // ---------------------------------------------------------------- reconciliation

  private void reconcile(WorkloadKey key) {
    HasMetadata w = workload(key);
    List<LocalPod> pods = workloads.computeIfAbsent(key, k -> new ArrayList<>());
    int desired = w == null || template(w) == null ? 0 : replicas(w);
    List<LocalPod> active = pods.stream().filter(p -> !p.terminating).toList();
    if (key.kind() == Kind.STATEFULSET) {
      for (LocalPod p : active) {
        if (p.ordinal >= desired) {
          supervisor.terminate(p);
        }
      }
      Set<Integer> held = new HashSet<>();
      pods.forEach(
          p -> held.add(p.ordinal)); // a terminating pod holds its ordinal until it is gone
      for (int i = 0; i < desired; i++) {
        if (!held.contains(i)) {
          startPod(key, w, i);
        }
      }
    } else if (desired > 0 && rollingUpdate(key, w, active, desired)) {
      // a template change is being rolled out
    } else if (active.size() > desired) {
      List<LocalPod> victims = new ArrayList<>(active);
      victims.sort(byDeletionCostThenNewest(victims));
      victims.subList(0, active.size() - desired).forEach(supervisor::terminate);
    } else {
      for (int i = active.size(); i < desired; i++) {
        startPod(key, w, -1);
      }
    }
    status.publish(key, w, pods);
    if (w == null && pods.isEmpty()) {
      workloads.remove(key);
      status.forget(key);
    }
  }

  /**
   * Replaces the pods of an older pod template one at a time, as a Deployment's RollingUpdate with
   * maxSurge 1 and maxUnavailable 0: start one new pod, and once it is ready stop one old pod.
   * Returns false when every running pod has the current template.
   */
  private boolean rollingUpdate(
      WorkloadKey key, HasMetadata w, List<LocalPod> active, int desired) {
    String current = templateHash(template(w));
    List<LocalPod> outdated =
        new ArrayList<>(active.stream().filter(p -> !current.equals(p.templateHash)).toList());
    if (outdated.isEmpty()) {
      return false;
    }
    int running = active.size();
    int updated = running - outdated.size();
    if (updated < desired && running < desired + 1) {
      startPod(key, w, -1);
      running++;
    }
    int ready = (int) active.stream().filter(p -> p.ready).count();
    // Unready old pods go first (they serve nothing), then by deletion cost, then the newest.
    outdated.sort(
        Comparator.<LocalPod, Boolean>comparing(p -> p.ready)
            .thenComparing(byDeletionCostThenNewest(outdated)));
    for (LocalPod p : outdated) {
      if (running <= desired) {
        break;
      }
      if (!p.ready || ready - 1 >= desired) {
        if (p.ready) {
          ready--;
        }
        supervisor.terminate(p);
        running--;
      }
    }
    return true;
  }

  /**
   * The order the ReplicaSet controller removes {@code pods} in: lowest deletion cost first, then
   * the newest.
   */
  private Comparator<LocalPod> byDeletionCostThenNewest(List<LocalPod> pods) {
    Map<LocalPod, Long> cost = new HashMap<>();
    pods.forEach(p -> cost.put(p, deletionCost(p)));
    return Comparator.<LocalPod>comparingLong(cost::get)
        .thenComparing(Comparator.comparingLong((LocalPod p) -> p.seq).reversed());
  }

  /**
   * Read from the API, not the cache: the autostop code may have annotated the pod just before
   * scaling.
   */
  private long deletionCost(LocalPod p) {
    Pod pod;
    try {
      pod = client.pods().inNamespace(p.namespace).withName(p.name).get();
    } catch (KubernetesClientException e) {
      pod = supervisor.cachedPod(p);
    }
    String cost =
        pod == null || pod.getMetadata().getAnnotations() == null
            ? null
            : pod.getMetadata().getAnnotations().get(DELETION_COST_ANNOTATION);
    if (cost == null) {
      return 0;
    }
    try {
      return Long.parseLong(cost.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ---------------------------------------------------------------- pods

  private void startPod(WorkloadKey key, HasMetadata w, int ordinal) {
    PodTemplateSpec template = template(w);
    if (template.getSpec() == null
        || template.getSpec().getContainers() == null
        || template.getSpec().getContainers().isEmpty()) {
      log.warn("{} {}/{} has no container; not started", key.kind(), key.namespace(), key.name());
      return;
    }
    Pod pod = newPod(key, w, template, podName(key, ordinal));
    Optional<LocalPod> started = supervisor.run(pod, key, ordinal, templateHash(template));
    if (started.isPresent()) {
      workloads.get(key).add(started.get());
    } else {
      loop.submitLater(() -> reconcile(key), PodSupervisor.NO_ADDRESS_RETRY_MILLIS);
    }
  }

  /**
   * The Pod a workload's controller creates from its template; the supervisor binds it to the node.
   */
  private static Pod newPod(WorkloadKey key, HasMetadata w, PodTemplateSpec template, String name) {
    ObjectMeta meta = template.getMetadata();
    Map<String, String> annotations =
        meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    Map<String, String> labels =
        meta == null || meta.getLabels() == null ? Map.of() : Map.copyOf(meta.getLabels());
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(key.namespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
        .withOwnerReferences(ownerReference(key, w))
        .endMetadata()
        .withSpec(new PodSpecBuilder(template.getSpec()).build())
        .build();
  }

  /**
   * {@code <statefulset>-<ordinal>}, or {@code <deployment>-<5 random characters>} that no pod has
   * yet.
   */
  private String podName(WorkloadKey key, int ordinal) {
    if (key.kind() == Kind.STATEFULSET) {
      return key.name() + "-" + ordinal;
    }
    while (true) {
      StringBuilder sb = new StringBuilder(key.name()).append('-');
      for (int i = 0; i < 5; i++) {
        sb.append(
            NAME_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length())));
      }
      String name = sb.toString();
      if (!supervisor.nameTaken(key.namespace(), name)) {
        return name;
      }
    }
  }

  private static OwnerReference ownerReference(WorkloadKey key, HasMetadata w) {
    return new OwnerReferenceBuilder()
        .withApiVersion("apps/v1")
        .withKind(key.kind() == Kind.DEPLOYMENT ? "Deployment" : "StatefulSet")
        .withName(key.name())
        .withUid(w.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  // ---------------------------------------------------------------- workloads

  private void publishStatus(WorkloadKey key) {
    List<LocalPod> pods = workloads.get(key);
    if (pods != null) {
      status.publish(key, workload(key), pods);
    }
  }

  /** The workload as the informer last saw it, or null when it is gone. */
  private HasMetadata workload(WorkloadKey key) {
    return switch (key.kind()) {
      case DEPLOYMENT -> deployments.getStore().getByKey(key.storeKey());
      case STATEFULSET -> statefulSets.getStore().getByKey(key.storeKey());
    };
  }

  /** A hash of the pod template: pods made from an older one are rolled out. */
  private static String templateHash(PodTemplateSpec template) {
    return Integer.toHexString(Serialization.asJson(template).hashCode());
  }

  private static PodTemplateSpec template(HasMetadata w) {
    return w instanceof Deployment d
        ? d.getSpec().getTemplate()
        : ((StatefulSet) w).getSpec().getTemplate();
  }

  private static int replicas(HasMetadata w) {
    Integer r =
        w instanceof Deployment d
            ? d.getSpec().getReplicas()
            : ((StatefulSet) w).getSpec().getReplicas();
    return r == null ? 1 : Math.max(0, r);
  }
}
