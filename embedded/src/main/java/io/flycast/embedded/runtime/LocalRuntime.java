package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload side of the cluster in {@code --embedded} mode, where the embedded API has no
 * controllers and no kubelet: it runs the pods of Deployments and StatefulSets as local processes,
 * each on its own loopback address (127.0.0.2 to 127.0.0.254), publishes a Pod per process and the
 * EndpointSlices of the Services that select them, and mirrors the workloads' replica counts into
 * their status. This class only wires the parts, each of which plays one part of Kubernetes, all on
 * one thread ({@link RuntimeLoop}):
 *
 * <ul>
 *   <li>{@link WorkloadController}: the Deployment and StatefulSet controllers (replicas, rollouts,
 *       scale-down order, status);
 *   <li>{@link PodSupervisor}: the kubelet (processes, probes, restarts, graceful stops);
 *   <li>{@link EndpointSlicePublisher}: the EndpointSlice controller;
 *   <li>{@link LoopbackAddresses}: the pod network's address allocator.
 * </ul>
 *
 * <p>What a pod runs: the first container's {@code command} + {@code args} when set, otherwise the
 * built-in echo backend in a new JVM ({@link ContainerCommand}); it listens on the first {@code
 * containerPort} of its first container (default 8080). Its output goes to {@code
 * <logDir>/<namespace>_<pod>.log}.
 *
 * <p>Use: {@code var runtime = new LocalRuntime(client).start(); ... runtime.close();} Closing (or
 * JVM exit, through a shutdown hook) stops every process: SIGTERM, then SIGKILL after {@link
 * #closeGrace(Duration)}. It does not clean the API's Pods and EndpointSlices up, since the
 * embedded API goes away with it.
 */
public final class LocalRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

  // What the runtime reads and writes, for its users.
  /** Pod template annotation: the pod's endpoint zone (default {@value #DEFAULT_ZONE}). */
  public static final String ZONE_ANNOTATION = PodSupervisor.ZONE_ANNOTATION;

  /** Pod template annotation: how long the echo backend waits before it listens ("2s"). */
  public static final String START_DELAY_ANNOTATION = ContainerCommand.START_DELAY_ANNOTATION;

  /**
   * Pod template annotation: how long after listening the echo backend's {@code GET /ready} still
   * answers 503 ("2s"), for an HTTP readiness probe to tell apart from listening.
   */
  public static final String READY_DELAY_ANNOTATION = ContainerCommand.READY_DELAY_ANNOTATION;

  /** Pod annotation: Deployment pods of lower cost are removed first when scaling down. */
  public static final String DELETION_COST_ANNOTATION = WorkloadController.DELETION_COST_ANNOTATION;

  public static final String SERVICE_NAME_LABEL = EndpointSlices.SERVICE_NAME_LABEL;
  public static final String MANAGED_BY_LABEL = EndpointSlices.MANAGED_BY_LABEL;
  public static final String MANAGED_BY = EndpointSlices.MANAGED_BY;
  public static final String DEFAULT_ZONE = PodSupervisor.DEFAULT_ZONE;
  public static final String NODE_NAME = PodSupervisor.NODE_NAME;
  public static final int DEFAULT_PORT = PodSupervisor.DEFAULT_PORT;
  public static final long DEFAULT_GRACE_SECONDS = PodSupervisor.DEFAULT_GRACE_SECONDS;

  private final Path logDir;
  private final RuntimeLoop loop = new RuntimeLoop();
  private final PodSupervisor supervisor;
  private final EndpointSlicePublisher endpointSlices;
  private final WorkloadController workloads;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final Thread shutdownHook;
  private volatile Duration closeGrace = Duration.ofSeconds(5);

  public LocalRuntime(KubernetesClient client) {
    this(client, null);
  }

  /**
   * @param logDir where each pod's stdout/stderr goes ({@code <namespace>_<pod>.log}); null = a
   *     temp dir
   */
  public LocalRuntime(KubernetesClient client, Path logDir) {
    try {
      this.logDir =
          logDir != null
              ? Files.createDirectories(logDir)
              : Files.createTempDirectory("flycast-runtime");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    supervisor = new PodSupervisor(client, this.logDir, loop);
    endpointSlices = new EndpointSlicePublisher(client, loop, supervisor);
    workloads = new WorkloadController(client, loop, supervisor);
    // Slices before workloads: a pod's endpoint is published before its workload reacts to the
    // change (a rollout stopping an old pod once a new one is ready).
    supervisor.addListener(endpointSlices);
    supervisor.addListener(workloads);
    shutdownHook =
        new Thread(() -> supervisor.killAll(Duration.ofSeconds(2)), "flycast-runtime-kill");
  }

  /** How long {@link #close()} waits after SIGTERM before SIGKILL (default 5s). */
  public LocalRuntime closeGrace(Duration grace) {
    this.closeGrace = grace;
    return this;
  }

  public Path logDir() {
    return logDir;
  }

  /** Starts watching workloads, Services and Pods; returns once the initial lists are in. */
  public LocalRuntime start() {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    supervisor.stopLeftovers();
    // Every informer exists before any starts: the handlers read each other's caches. Workloads
    // last: the pods they start are published against Services and Pods already listed.
    informers.add(endpointSlices.watchServices());
    informers.add(supervisor.watchPods());
    informers.addAll(workloads.watchWorkloads());
    // A watch that fails is listed and watched again, as the operator's are (CatalogSync): a
    // stopped informer would freeze the runtime's kubelet or controllers for good, silently.
    informers.forEach(i -> i.exceptionHandler((started, t) -> started));
    informers.forEach(SharedIndexInformer::run);
    log.info("local runtime started; pod logs in {}", logDir);
    return this;
  }

  /** The process of a pod this runtime runs, if any. */
  public Optional<ProcessHandle> process(String namespace, String podName) {
    return supervisor.process(namespace, podName);
  }

  /** Every process this runtime has started that has not exited yet. */
  public List<ProcessHandle> processes() {
    return supervisor.processes();
  }

  @Override
  public void close() {
    if (loop.closed()) {
      return;
    }
    // Each pod's process tree, taken while the pods still run: closing the loop ends the thread
    // that
    // started them, and the kernel's parent-death signal (OrphanGuard) then kills each pod at once,
    // leaving the pod's own children to be found no other way.
    List<ProcessHandle> trees = supervisor.processTrees();
    loop.close();
    informers.forEach(
        i -> {
          try {
            i.stop();
          } catch (RuntimeException e) {
            log.debug("stopping an informer: {}", e.toString());
          }
        });
    supervisor.close(closeGrace, trees);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) anyway
    }
    log.info("local runtime stopped");
  }
}
