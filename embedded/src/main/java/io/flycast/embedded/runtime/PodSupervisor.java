package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of the local node: runs the pods the {@link WorkloadController} asks for as local
 * processes, one loopback address each, and keeps their Pods' status true. It creates the Pod
 * itself, bound to this node and with its address in the status, since there is no scheduler;
 * starts the process ({@link ContainerCommand}); probes it on the kubelet's schedule ({@link
 * ReadinessProbe}: Ready once started without a {@code readinessProbe}); restarts it in place with
 * a backoff when it exits (restartPolicy Always); and stops it on request or when its Pod is
 * deleted through the API: the pod turns terminating, the process and its descendants get SIGTERM,
 * SIGKILL after the pod's {@code terminationGracePeriodSeconds} (default 30), then the Pod is
 * deleted and the address freed. Each change is told to the {@link PodListener}s.
 *
 * <p>Only the first container runs; it listens on its first {@code containerPort} (default 8080).
 * It runs in the container's {@code workingDir} when set, else in a directory of its own under the
 * log directory; its output goes to {@code <logDir>/<namespace>_<pod>.log}.
 *
 * <p>This class is the pod lifecycle (run, ready, crashed, terminating, gone) on the runtime
 * thread; the API calls that publish it are {@link PodObjects}', the processes {@link
 * ContainerProcesses}'.
 */
final class PodSupervisor {
  private static final Logger log = LoggerFactory.getLogger(PodSupervisor.class);

  static final String NODE_NAME = PodObjects.NODE_NAME;
  static final String ZONE_ANNOTATION = "fly.io/zone";
  static final String DEFAULT_ZONE = "local";
  static final int DEFAULT_PORT = 8080;
  static final long DEFAULT_GRACE_SECONDS = 30;

  /** How long to wait before asking for a pod again when {@link #run} found no free address. */
  static final long NO_ADDRESS_RETRY_MILLIS = 5000;

  private final PodObjects api;
  private final ContainerProcesses containers;
  private final RuntimeLoop loop;
  private final ReadinessProbe probe;

  /**
   * The pods of this node by "namespace/name", from creation until they are gone; read from any
   * thread.
   */
  private final Map<String, LocalPod> pods = new ConcurrentHashMap<>();

  private final List<PodListener> listeners = new ArrayList<>();
  private long podSeq;

  PodSupervisor(KubernetesClient client, Path logDir, RuntimeLoop loop) {
    this.api = new PodObjects(client);
    this.containers = new ContainerProcesses(logDir);
    this.loop = loop;
    this.probe = new ReadinessProbe(loop);
  }

  /** Stops the pod processes a previous runtime on this log directory left running. */
  void stopLeftovers() {
    containers.stopLeftovers();
  }

  /** Listeners are told in the order they were added. */
  void addListener(PodListener listener) {
    listeners.add(listener);
  }

  /** The Pod informer, not started yet: a Pod of ours deleted through the API stops its pod. */
  SharedIndexInformer<Pod> watchPods() {
    return api.watch(p -> loop.submit(() -> deletedThroughApi(p)));
  }

  // ---------------------------------------------------------------- queries

  /** Every pod of this node that is not gone yet, terminating ones included. */
  Collection<LocalPod> pods() {
    return pods.values();
  }

  /** Whether a pod of this node, or a Pod in the API, already has that name. */
  boolean nameTaken(String namespace, String name) {
    String key = LocalPod.key(namespace, name);
    return pods.containsKey(key) || api.cached(key) != null;
  }

  /** The pod's Pod as the informer last saw it, or null. */
  Pod cachedPod(LocalPod pod) {
    return api.cached(pod.key());
  }

  Optional<ProcessHandle> process(String namespace, String podName) {
    LocalPod p = pods.get(LocalPod.key(namespace, podName));
    Process proc = p == null ? null : p.process;
    return proc == null ? Optional.empty() : Optional.of(proc.toHandle());
  }

  List<ProcessHandle> processes() {
    return containers.handles();
  }

  // ---------------------------------------------------------------- lifecycle (runtime thread)

  /**
   * Runs {@code pod}, which has a container: gives it an address, creates it in the API and starts
   * its process. Empty when no loopback address is free; ask again after {@link
   * #NO_ADDRESS_RETRY_MILLIS}.
   */
  Optional<LocalPod> run(Pod pod, WorkloadKey owner, int ordinal, String templateHash) {
    Container c = pod.getSpec().getContainers().get(0);
    int port =
        c.getPorts() != null && !c.getPorts().isEmpty()
            ? c.getPorts().get(0).getContainerPort()
            : DEFAULT_PORT;
    int octet = LoopbackAddresses.allocate(port);
    if (octet < 0) {
      log.warn(
          "no free loopback address for port {} for a pod of {}/{}; retrying in {}s",
          port,
          owner.namespace(),
          owner.name(),
          TimeUnit.MILLISECONDS.toSeconds(NO_ADDRESS_RETRY_MILLIS));
      return Optional.empty();
    }
    ObjectMeta meta = pod.getMetadata();
    Map<String, String> annotations =
        meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    Map<String, String> labels = meta.getLabels() == null ? Map.of() : Map.copyOf(meta.getLabels());
    Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
    long graceSeconds = grace == null ? DEFAULT_GRACE_SECONDS : Math.max(0, grace);
    ContainerCommand command =
        ContainerCommand.of(
            c,
            owner.namespace(),
            meta.getName(),
            LoopbackAddresses.address(octet),
            port,
            annotations,
            graceSeconds);
    LocalPod local =
        new LocalPod(
            owner,
            ordinal,
            templateHash,
            podSeq++,
            meta.getName(),
            labels,
            annotations.getOrDefault(ZONE_ANNOTATION, DEFAULT_ZONE),
            octet,
            port,
            NamedPorts.of(c),
            command,
            ReadinessSpec.of(c, NamedPorts.of(c)),
            graceSeconds);
    pods.put(local.key(), local);

    local.uid = api.create(pod, local);
    launch(local);
    listeners.forEach(l -> l.started(local));
    return Optional.of(local);
  }

  /** Starts (or restarts) the pod's process and probes its readiness. */
  private void launch(LocalPod pod) {
    Process process;
    try {
      process = containers.start(pod, exited -> loop.submit(() -> exited(pod, exited)));
    } catch (IOException e) {
      log.warn("pod {} could not start {}: {}", pod.key(), pod.container.command(), e.toString());
      scheduleRestart(pod);
      return;
    }
    pod.process = process;
    pod.startedAt = Instant.now();
    log.info("pod {} started on {}:{} (pid {})", pod.key(), pod.ip, pod.port, process.pid());
    probe.start(pod, process, () -> becameReady(pod, process), () -> becameUnready(pod, process));
  }

  private void becameReady(LocalPod pod, Process process) {
    if (pod.process != process
        || pod.terminating
        || !process.isAlive()
        || !pods.containsKey(pod.key())) {
      return;
    }
    pod.ready = true;
    log.info("pod {} ready", pod.key());
    api.updateStatus(pod);
    listeners.forEach(l -> l.ready(pod));
  }

  /** Its readiness probe failed {@code failureThreshold} times in a row after it was ready. */
  private void becameUnready(LocalPod pod, Process process) {
    if (pod.process != process || pod.terminating || !pod.ready) {
      return;
    }
    pod.ready = false;
    log.info("pod {} not ready: its readiness probe fails", pod.key());
    api.updateStatus(pod);
    listeners.forEach(l -> l.unready(pod));
  }

  private void exited(LocalPod pod, Process process) {
    if (pod.process != process || !pods.containsKey(pod.key())) {
      return;
    }
    if (pod.terminating) {
      finishTermination(pod);
      return;
    }
    log.warn("pod {} exited with {}; restarting", pod.key(), process.exitValue());
    pod.ready = false;
    pod.process = null;
    pod.restarts++;
    api.updateStatus(pod);
    listeners.forEach(l -> l.crashed(pod));
    scheduleRestart(pod);
  }

  /** CrashLoopBackOff, shortened: 1s doubling up to 30s. */
  private void scheduleRestart(LocalPod pod) {
    long delay = Math.min(30_000, 1000L << Math.min(pod.restarts, 5));
    loop.submitLater(
        () -> {
          if (!pod.terminating && pod.process == null && pods.containsKey(pod.key())) {
            launch(pod);
          } else if (pod.terminating && pod.process == null) {
            finishTermination(pod);
          }
        },
        delay);
  }

  /** Publishes the pod as terminating, then SIGTERM; SIGKILL after the grace period. */
  void terminate(LocalPod pod) {
    if (pod.terminating) {
      return;
    }
    pod.terminating = true;
    pod.ready = false;
    log.info("pod {} terminating (grace {}s)", pod.key(), pod.graceSeconds);
    api.markDeleting(pod);
    api.updateStatus(pod);
    listeners.forEach(l -> l.terminating(pod));
    Process process = pod.process;
    if (process == null || !process.isAlive()) {
      finishTermination(pod);
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    loop.submitLater(
        () -> {
          if (process.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive)) {
            log.info("pod {} still running after {}s: SIGKILL", pod.key(), pod.graceSeconds);
            children.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
          }
        },
        TimeUnit.SECONDS.toMillis(pod.graceSeconds));
  }

  private void finishTermination(LocalPod pod) {
    if (!pods.remove(pod.key(), pod)) {
      return;
    }
    LoopbackAddresses.release(pod.octet);
    pod.process = null;
    api.delete(pod);
    log.info("pod {} gone", pod.key());
    listeners.forEach(l -> l.gone(pod));
  }

  /**
   * A Pod of ours deleted through the API (kubectl delete pod): stop it; its workload replaces it.
   */
  private void deletedThroughApi(Pod p) {
    LocalPod pod =
        pods.get(LocalPod.key(p.getMetadata().getNamespace(), p.getMetadata().getName()));
    if (pod == null || pod.terminating) {
      return;
    }
    if (pod.uid != null
        && p.getMetadata().getUid() != null
        && !pod.uid.equals(p.getMetadata().getUid())) {
      return; // an older Pod of the same name
    }
    terminate(pod);
    listeners.forEach(l -> l.deletedThroughApi(pod));
  }

  // ---------------------------------------------------------------- stopping

  /**
   * SIGTERM every process, SIGKILL after {@code grace}: for the JVM's shutdown hook, from any
   * thread.
   */
  void killAll(Duration grace) {
    containers.stopAll(grace, List.of());
  }

  /** Every pod's process and its descendants, as they are now. */
  List<ProcessHandle> processTrees() {
    return containers.trees();
  }

  /**
   * Stops probing, every pod's process and every one in {@code taken} (SIGKILL after {@code
   * grace}), and frees every address; the API's Pods are left as they are.
   */
  void close(Duration grace, List<ProcessHandle> taken) {
    probe.close();
    containers.stopAll(grace, taken);
    pods.values().forEach(p -> LoopbackAddresses.release(p.octet));
    pods.clear();
  }
}
