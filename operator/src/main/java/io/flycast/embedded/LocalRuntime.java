package io.flycast.embedded;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload side of the cluster in {@code --embedded} mode, where the embedded API has no
 * controllers and no kubelet: it runs the pods of Deployments and StatefulSets as local
 * processes, each on its own loopback address (127.0.0.2 to 127.0.0.254), publishes a Pod per
 * process and an EndpointSlice ({@code <service>-local}) per selecting Service, and mirrors the
 * workload's replica counts into its status. The slices are the EndpointSlice controller's: each
 * port is listed under the Service port's name with the number its {@code targetPort} resolves
 * to in the pod (a name is looked up among the first container's {@code ports[].name}), and pods
 * whose ports resolve differently get separate slices ({@code <service>-local-<hash>}).
 *
 * <p>What a pod runs: the first container's {@code command} + {@code args} when set (with
 * {@code $(VAR)} expansion as Kubernetes does, and env {@code PORT}, {@code POD_NAME},
 * {@code POD_IP}, {@code POD_NAMESPACE}, {@code BIND_ADDRESS} plus the container's literal env
 * values), otherwise the built-in {@link EchoBackend} in a new JVM. The pod listens on the first
 * {@code containerPort} of its first container (default 8080). Readiness is a TCP connect probe,
 * retried with a short backoff until it succeeds, then published once.
 *
 * <p>Scaling down removes, for Deployments, the pods with the lowest
 * {@code controller.kubernetes.io/pod-deletion-cost} first, then the newest; for StatefulSets the
 * highest ordinals. A removed pod's endpoint is published as terminating (ready=false,
 * serving=true, terminating=true), the process gets SIGTERM, SIGKILL after the template's
 * {@code terminationGracePeriodSeconds} (default 30), then the Pod and the endpoint go.
 *
 * <p>Simplifications, compared with a cluster: Deployment pods are owned directly by the
 * Deployment (no ReplicaSet); a changed Deployment pod template is rolled out one pod at a time
 * (maxSurge 1, maxUnavailable 0, whatever the strategy says), a changed StatefulSet template
 * applies to new pods only; a crashed process is restarted in place with a backoff (restartPolicy Always); only the
 * first container runs; pods deleted through the API are stopped and replaced.
 *
 * <p>Each pod runs in the container's {@code workingDir} when set, else in its own directory
 * under the log directory; its output goes to {@code <logDir>/<namespace>_<pod>.log}.
 *
 * <p>Use: {@code var runtime = new LocalRuntime(client).start(); ... runtime.close();} Closing
 * (or JVM exit, through a shutdown hook) stops every process: SIGTERM, then SIGKILL after
 * {@link #closeGrace(Duration)}. It does not clean the API's Pods and EndpointSlices up, since the
 * embedded API goes away with it.
 */
public final class LocalRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

  public static final String ZONE_ANNOTATION = "fly.io/zone";
  public static final String START_DELAY_ANNOTATION = "fly.io/start-delay";
  public static final String DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "flycast-local-runtime";
  public static final String DEFAULT_ZONE = "local";
  public static final String NODE_NAME = "flycast-local";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final Pattern VAR_REF = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  enum Kind { DEPLOYMENT, STATEFULSET }

  record WorkloadKey(Kind kind, String namespace, String name) {
    String storeKey() {
      return namespace + "/" + name;
    }
  }

  /** One pod: its process, address and state. Fields are written on the runtime thread only. */
  static final class LocalPod {
    final WorkloadKey owner;
    final String namespace;
    final String name;
    final int octet;
    final String ip;
    final int port;
    final long seq;
    final int ordinal;
    final Map<String, String> labels;
    final Map<String, Integer> namedPorts;
    final String zone;
    final long graceSeconds;
    final List<String> command;
    final Map<String, String> env;
    String workingDir;
    String templateHash;
    volatile Process process;
    volatile boolean ready;
    volatile boolean terminating;
    int restarts;
    String uid;
    Instant startedAt = Instant.now();

    LocalPod(WorkloadKey owner, String name, int octet, int port, long seq, int ordinal, Map<String, String> labels,
        Map<String, Integer> namedPorts, String zone, long graceSeconds, List<String> command, Map<String, String> env) {
      this.owner = owner;
      this.namespace = owner.namespace();
      this.name = name;
      this.octet = octet;
      this.ip = "127.0.0." + octet;
      this.port = port;
      this.seq = seq;
      this.ordinal = ordinal;
      this.labels = labels;
      this.namedPorts = namedPorts;
      this.zone = zone;
      this.graceSeconds = graceSeconds;
      this.command = command;
      this.env = env;
    }

    String key() {
      return namespace + "/" + name;
    }
  }

  private static final class WorkloadState {
    final List<LocalPod> pods = new ArrayList<>();
    String lastStatus;
  }

  private final KubernetesClient client;
  private final Path logDir;
  private volatile Duration closeGrace = Duration.ofSeconds(5);
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "flycast-runtime"));
  private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(1, r -> daemon(r, "flycast-runtime-probe"));
  private final Map<WorkloadKey, WorkloadState> workloads = new HashMap<>();
  private final Map<String, LocalPod> podsByKey = new ConcurrentHashMap<>();
  private final Set<Process> processes = ConcurrentHashMap.newKeySet();
  /**
   * EndpointSlices this runtime published, by "namespace/service", then by slice name, with the
   * content last written.
   */
  private final Map<String, Map<String, EndpointSlice>> published = new HashMap<>();
  private long podSeq;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<StatefulSet> statefulSets;
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<Pod> podInformer;
  private final Thread shutdownHook = new Thread(() -> killAll(Duration.ofSeconds(2)), "flycast-runtime-kill");
  private volatile boolean closed;

  public LocalRuntime(KubernetesClient client) {
    this(client, null);
  }

  /** @param logDir where each pod's stdout/stderr goes ({@code <namespace>_<pod>.log}); null = a temp dir */
  public LocalRuntime(KubernetesClient client, Path logDir) {
    this.client = client;
    try {
      this.logDir = logDir != null ? Files.createDirectories(logDir) : Files.createTempDirectory("flycast-runtime");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
    // Every informer exists before any starts: the handlers read each other's caches.
    services = client.services().inAnyNamespace().runnableInformer(0);
    services.addEventHandler(new Handler<>(s -> publishSlices(s.getMetadata().getNamespace())));
    podInformer = client.pods().inAnyNamespace().runnableInformer(0);
    podInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {}

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {}

      @Override
      public void onDelete(Pod p, boolean unknownFinalState) {
        submit(() -> podDeletedExternally(p));
      }
    });
    deployments = client.apps().deployments().inAnyNamespace().runnableInformer(0);
    deployments.addEventHandler(
        new Handler<>(d -> reconcile(new WorkloadKey(Kind.DEPLOYMENT, d.getMetadata().getNamespace(), d.getMetadata().getName()))));
    statefulSets = client.apps().statefulSets().inAnyNamespace().runnableInformer(0);
    statefulSets.addEventHandler(
        new Handler<>(s -> reconcile(new WorkloadKey(Kind.STATEFULSET, s.getMetadata().getNamespace(), s.getMetadata().getName()))));
    informers.addAll(List.of(services, podInformer, deployments, statefulSets));
    informers.forEach(SharedIndexInformer::run);
    log.info("local runtime started; pod logs in {}", logDir);
    return this;
  }

  /** Runs {@code action} for every add, update and delete, on the runtime thread. */
  private final class Handler<T extends HasMetadata> implements ResourceEventHandler<T> {
    private final java.util.function.Consumer<T> action;

    Handler(java.util.function.Consumer<T> action) {
      this.action = action;
    }

    @Override
    public void onAdd(T obj) {
      submit(() -> action.accept(obj));
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      submit(() -> action.accept(newObj));
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
      submit(() -> action.accept(obj));
    }
  }

  private void submit(Runnable task) {
    submitLater(task, 0);
  }

  private void submitLater(Runnable task, long delayMillis) {
    if (closed) {
      return;
    }
    Runnable safe = () -> {
      if (closed) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("local runtime: {}", e.toString(), e);
      }
    };
    try {
      if (delayMillis <= 0) {
        loop.execute(safe);
      } else {
        loop.schedule(safe, delayMillis, TimeUnit.MILLISECONDS);
      }
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  // ---------------------------------------------------------------- queries (any thread)

  /** The process of a pod this runtime runs, if any. */
  public Optional<ProcessHandle> process(String namespace, String podName) {
    LocalPod p = podsByKey.get(namespace + "/" + podName);
    Process proc = p == null ? null : p.process;
    return proc == null ? Optional.empty() : Optional.of(proc.toHandle());
  }

  /** Every process this runtime has started that has not exited yet. */
  public List<ProcessHandle> processes() {
    return processes.stream().map(Process::toHandle).toList();
  }

  // ---------------------------------------------------------------- reconciliation (runtime thread)

  private HasMetadata workload(WorkloadKey key) {
    return switch (key.kind()) {
      case DEPLOYMENT -> deployments.getStore().getByKey(key.storeKey());
      case STATEFULSET -> statefulSets.getStore().getByKey(key.storeKey());
    };
  }

  private static PodTemplateSpec template(HasMetadata w) {
    return w instanceof Deployment d ? d.getSpec().getTemplate() : ((StatefulSet) w).getSpec().getTemplate();
  }

  private static int replicas(HasMetadata w) {
    Integer r = w instanceof Deployment d ? d.getSpec().getReplicas() : ((StatefulSet) w).getSpec().getReplicas();
    return r == null ? 1 : Math.max(0, r);
  }

  private void reconcile(WorkloadKey key) {
    HasMetadata w = workload(key);
    WorkloadState state = workloads.computeIfAbsent(key, k -> new WorkloadState());
    int desired = w == null || template(w) == null ? 0 : replicas(w);
    List<LocalPod> active = state.pods.stream().filter(p -> !p.terminating).toList();
    if (key.kind() == Kind.STATEFULSET) {
      for (LocalPod p : active) {
        if (p.ordinal >= desired) {
          terminate(p);
        }
      }
      Set<Integer> held = new HashSet<>();
      state.pods.forEach(p -> held.add(p.ordinal));
      for (int i = 0; i < desired; i++) {
        if (!held.contains(i)) {
          startPod(key, w, i);
        }
      }
    } else if (desired > 0 && rollingUpdate(key, w, active, desired)) {
      // a template change is being rolled out
    } else if (active.size() > desired) {
      List<LocalPod> victims = new ArrayList<>(active);
      Map<LocalPod, Long> cost = new HashMap<>();
      victims.forEach(p -> cost.put(p, deletionCost(p)));
      victims.sort(Comparator.<LocalPod>comparingLong(cost::get).thenComparing(Comparator.comparingLong((LocalPod p) -> p.seq).reversed()));
      victims.subList(0, active.size() - desired).forEach(this::terminate);
    } else {
      for (int i = active.size(); i < desired; i++) {
        startPod(key, w, -1);
      }
    }
    publishWorkloadStatus(key, w, state);
    if (w == null && state.pods.isEmpty()) {
      workloads.remove(key);
    }
  }

  /**
   * Replaces the pods of an older pod template one at a time, as a Deployment's RollingUpdate with
   * maxSurge 1 and maxUnavailable 0: start one new pod, and once it is ready stop one old pod.
   * Returns false when every running pod has the current template.
   */
  private boolean rollingUpdate(WorkloadKey key, HasMetadata w, List<LocalPod> active, int desired) {
    String current = templateHash(template(w));
    List<LocalPod> outdated = new ArrayList<>(active.stream().filter(p -> !current.equals(p.templateHash)).toList());
    if (outdated.isEmpty()) {
      return false;
    }
    int running = active.size();
    long updated = running - outdated.size();
    if (updated < desired && running < desired + 1) {
      startPod(key, w, -1);
      running++;
    }
    int ready = (int) active.stream().filter(p -> p.ready).count();
    // Unready old pods go first (they serve nothing), then by deletion cost, then the newest.
    Map<LocalPod, Long> cost = new HashMap<>();
    outdated.forEach(p -> cost.put(p, deletionCost(p)));
    outdated.sort(Comparator.<LocalPod, Boolean>comparing(p -> p.ready)
        .thenComparingLong(cost::get)
        .thenComparing(Comparator.comparingLong((LocalPod p) -> p.seq).reversed()));
    for (LocalPod p : outdated) {
      if (running <= desired) {
        break;
      }
      if (!p.ready || ready - 1 >= desired) {
        if (p.ready) {
          ready--;
        }
        terminate(p);
        running--;
      }
    }
    return true;
  }

  static String templateHash(PodTemplateSpec template) {
    return Integer.toHexString(io.fabric8.kubernetes.client.utils.Serialization.asJson(template).hashCode());
  }

  /** Read from the API, not the cache: the autostop code may have annotated the pod just before scaling. */
  private long deletionCost(LocalPod p) {
    Pod pod;
    try {
      pod = client.pods().inNamespace(p.namespace).withName(p.name).get();
    } catch (KubernetesClientException e) {
      pod = podInformer.getStore().getByKey(p.key());
    }
    String cost = pod == null || pod.getMetadata().getAnnotations() == null ? null
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

  /**
   * The loopback addresses pods use. Within a JVM a table says which are taken; across JVMs (two
   * Flycast processes, a test and a running operator) a lock file per address under
   * {@code java.io.tmpdir/flycast-loopback} does, held while the address is in use and dropped by
   * the OS when the JVM dies. An address whose port something else already listens on is skipped
   * too. The search starts at a random address, so that runtimes that predate the lock files are
   * unlikely to pick the same one.
   */
  static final class LoopbackAddresses {
    private static final java.nio.channels.FileChannel[] locks = new java.nio.channels.FileChannel[256];
    private static int cursor = ThreadLocalRandom.current().nextInt(253);

    private LoopbackAddresses() {}

    /** The last octet of a free 127.0.0.x (2..254) for {@code port}, or -1. Freed ones are reused last. */
    static synchronized int allocate(int port) {
      for (int i = 0; i < 253; i++) {
        int x = 2 + (cursor + i) % 253;
        if (locks[x] != null) {
          continue;
        }
        java.nio.channels.FileChannel lock = lock(x);
        if (lock == null) {
          continue;
        }
        if (!bindable("127.0.0." + x, port)) {
          closeQuietly(lock);
          continue;
        }
        locks[x] = lock;
        cursor = x - 1; // the next search starts after x
        return x;
      }
      return -1;
    }

    static synchronized void release(int octet) {
      java.nio.channels.FileChannel lock = locks[octet];
      locks[octet] = null;
      if (lock != null) {
        closeQuietly(lock);
      }
    }

    /** An open channel holding the address's lock file, or null when another process holds it. */
    private static java.nio.channels.FileChannel lock(int octet) {
      java.nio.channels.FileChannel ch = null;
      try {
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "flycast-loopback"));
        ch = java.nio.channels.FileChannel.open(dir.resolve("127.0.0." + octet + ".lock"),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        if (ch.tryLock() != null) {
          return ch;
        }
      } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
        log.debug("loopback lock {}: {}", octet, e.toString());
      }
      if (ch != null) {
        closeQuietly(ch);
      }
      return null;
    }

    private static void closeQuietly(java.io.Closeable c) {
      try {
        c.close();
      } catch (IOException ignored) {
        // released anyway
      }
    }

    private static boolean bindable(String ip, int port) {
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(ip, port));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }

  private String podName(WorkloadKey key, int ordinal) {
    if (key.kind() == Kind.STATEFULSET) {
      return key.name() + "-" + ordinal;
    }
    while (true) {
      StringBuilder sb = new StringBuilder(key.name()).append('-');
      for (int i = 0; i < 5; i++) {
        sb.append(NAME_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(NAME_ALPHABET.length())));
      }
      String name = sb.toString();
      if (!podsByKey.containsKey(key.namespace() + "/" + name) && podInformer.getStore().getByKey(key.namespace() + "/" + name) == null) {
        return name;
      }
    }
  }

  private void startPod(WorkloadKey key, HasMetadata w, int ordinal) {
    PodTemplateSpec template = template(w);
    if (template.getSpec() == null || template.getSpec().getContainers() == null || template.getSpec().getContainers().isEmpty()) {
      log.warn("{} {}/{} has no container; not started", key.kind(), key.namespace(), key.name());
      return;
    }
    Container c = template.getSpec().getContainers().get(0);
    Map<String, Integer> namedPorts = new LinkedHashMap<>();
    int port = DEFAULT_PORT;
    if (c.getPorts() != null && !c.getPorts().isEmpty()) {
      port = c.getPorts().get(0).getContainerPort();
      for (ContainerPort cp : c.getPorts()) {
        if (cp.getName() != null && cp.getContainerPort() != null) {
          namedPorts.putIfAbsent(namedPortKey(cp.getName(), cp.getProtocol()), cp.getContainerPort());
        }
      }
    }
    int octet = LoopbackAddresses.allocate(port);
    if (octet < 0) {
      log.warn("no free loopback address for port {} for a pod of {}/{}; retrying in 5s", port, key.namespace(), key.name());
      submitLater(() -> reconcile(key), 5000);
      return;
    }
    String name = podName(key, ordinal);
    Map<String, String> annotations = template.getMetadata() == null || template.getMetadata().getAnnotations() == null
        ? Map.of() : template.getMetadata().getAnnotations();
    Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
        ? Map.of() : Map.copyOf(template.getMetadata().getLabels());
    String zone = annotations.getOrDefault(ZONE_ANNOTATION, DEFAULT_ZONE);
    Long grace = template.getSpec().getTerminationGracePeriodSeconds();
    long graceSeconds = grace == null ? DEFAULT_GRACE_SECONDS : Math.max(0, grace);
    String ip = "127.0.0." + octet;

    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        if (e.getValue() != null) {
          env.put(e.getName(), expand(e.getValue(), env));
        }
      }
    }
    env.put("PORT", Integer.toString(port));
    env.put("POD_NAME", name);
    env.put("POD_IP", ip);
    env.put("POD_NAMESPACE", key.namespace());
    env.put("BIND_ADDRESS", ip);
    List<String> command = new ArrayList<>();
    boolean custom = (c.getCommand() != null && !c.getCommand().isEmpty()) || (c.getArgs() != null && !c.getArgs().isEmpty());
    if (custom) {
      // No image to take an entrypoint from: args alone are the command line.
      if (c.getCommand() != null) {
        c.getCommand().forEach(s -> command.add(expand(s, env)));
      }
      if (c.getArgs() != null) {
        c.getArgs().forEach(s -> command.add(expand(s, env)));
      }
    } else {
      command.addAll(echoCommand());
      env.put("START_DELAY_MS", Long.toString(parseDelay(annotations.get(START_DELAY_ANNOTATION)).toMillis()));
      env.put("GRACE_SECONDS", Long.toString(graceSeconds));
    }

    LocalPod pod = new LocalPod(key, name, octet, port, podSeq++, ordinal, labels, namedPorts, zone, graceSeconds,
        List.copyOf(command), Map.copyOf(env));
    pod.templateHash = templateHash(template);
    pod.workingDir = c.getWorkingDir() == null || c.getWorkingDir().isBlank() ? null : c.getWorkingDir();
    workloads.get(key).pods.add(pod);
    podsByKey.put(pod.key(), pod);

    Pod object = new PodBuilder()
        .withNewMetadata()
          .withName(name).withNamespace(key.namespace())
          .withLabels(labels)
          .withAnnotations(annotations.isEmpty() ? null : new LinkedHashMap<>(annotations))
          .withOwnerReferences(ownerReference(key, w))
        .endMetadata()
        .withSpec(template.getSpec() == null ? null : new io.fabric8.kubernetes.api.model.PodSpecBuilder(template.getSpec()).withNodeName(NODE_NAME).build())
        .withStatus(podStatus(pod))
        .build();
    try {
      Pod created = client.pods().inNamespace(key.namespace()).resource(object).create();
      pod.uid = created.getMetadata().getUid();
    } catch (KubernetesClientException e) {
      log.warn("could not create Pod {}/{}: {}", key.namespace(), name, e.getMessage());
    }
    launch(pod);
    publishSlices(key.namespace());
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

  private List<String> echoCommand() {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx48m", "-Xss512k", "-XX:-UsePerfData",
        "-cp", absoluteClassPath(), EchoBackend.class.getName());
  }

  /** This JVM's classpath with absolute entries: pods run in their own working directories. */
  private static String absoluteClassPath() {
    StringBuilder sb = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append(java.io.File.pathSeparatorChar);
      }
      sb.append(entry.endsWith("*") ? entry : Path.of(entry).toAbsolutePath().toString());
    }
    return sb.toString();
  }

  /** Kubernetes' {@code $(VAR)} expansion: defined variables are replaced, {@code $$} is a literal {@code $}. */
  static String expand(String s, Map<String, String> env) {
    Matcher m = VAR_REF.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group(1) == null) {
        replacement = "$";
      } else {
        replacement = env.getOrDefault(m.group(1), m.group());
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** The start delay annotation ("2s", "500ms"); anything unreadable is no delay, with a warning. */
  static Duration parseDelay(String text) {
    if (text == null || text.isBlank()) {
      return Duration.ZERO;
    }
    try {
      return io.flycast.catalog.Durations.parse(text);
    } catch (IllegalArgumentException e) {
      log.warn("ignoring {}: {}", START_DELAY_ANNOTATION, e.getMessage());
      return Duration.ZERO;
    }
  }


  /** Starts (or restarts) the pod's process and probes it until it accepts connections. */
  private void launch(LocalPod pod) {
    Path workDir;
    try {
      workDir = pod.workingDir != null ? Path.of(pod.workingDir) : Files.createDirectories(logDir.resolve(pod.namespace + "_" + pod.name));
    } catch (IOException e) {
      workDir = logDir;
    }
    ProcessBuilder pb = new ProcessBuilder(pod.command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(pod.namespace + "_" + pod.name + ".log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(pod.env);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      log.warn("pod {} could not start {}: {}", pod.key(), pod.command, e.getMessage());
      scheduleRestart(pod);
      return;
    }
    pod.process = process;
    pod.startedAt = Instant.now();
    processes.add(process);
    log.info("pod {} started on {}:{} (pid {})", pod.key(), pod.ip, pod.port, process.pid());
    process.onExit().thenRun(() -> {
      processes.remove(process);
      submit(() -> exited(pod, process));
    });
    probe(pod, process, 0);
  }

  private void probe(LocalPod pod, Process process, int attempt) {
    if (closed) {
      return;
    }
    try {
      probes.schedule(() -> {
        if (closed || pod.process != process || pod.terminating || !process.isAlive()) {
          return;
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(pod.ip, pod.port), 500);
        } catch (IOException e) {
          probe(pod, process, attempt + 1);
          return;
        }
        submit(() -> becameReady(pod, process));
      }, attempt == 0 ? 0 : Math.min(500, 25L << Math.min(attempt, 5)), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void becameReady(LocalPod pod, Process process) {
    if (pod.process != process || pod.terminating || !process.isAlive() || !podsByKey.containsKey(pod.key())) {
      return;
    }
    pod.ready = true;
    log.info("pod {} ready", pod.key());
    updatePodStatus(pod);
    publishSlices(pod.namespace);
    publishWorkloadStatus(pod.owner);
    reconcile(pod.owner); // a rolling update waits for new pods to be ready
  }

  private void exited(LocalPod pod, Process process) {
    if (pod.process != process || !podsByKey.containsKey(pod.key())) {
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
    updatePodStatus(pod);
    publishSlices(pod.namespace);
    publishWorkloadStatus(pod.owner);
    scheduleRestart(pod);
  }

  private void scheduleRestart(LocalPod pod) {
    long delay = Math.min(30_000, 1000L << Math.min(pod.restarts, 5));
    submitLater(() -> {
      if (!pod.terminating && pod.process == null && podsByKey.containsKey(pod.key())) {
        launch(pod);
      } else if (pod.terminating && pod.process == null) {
        finishTermination(pod);
      }
    }, delay);
  }

  /** Publishes the endpoint as terminating, then SIGTERM; SIGKILL after the grace period. */
  private void terminate(LocalPod pod) {
    if (pod.terminating) {
      return;
    }
    pod.terminating = true;
    pod.ready = false;
    log.info("pod {} terminating (grace {}s)", pod.key(), pod.graceSeconds);
    updatePodStatus(pod);
    publishSlices(pod.namespace);
    Process process = pod.process;
    if (process == null || !process.isAlive()) {
      finishTermination(pod);
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    submitLater(() -> {
      if (process.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive)) {
        log.info("pod {} still running after {}s: SIGKILL", pod.key(), pod.graceSeconds);
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }, TimeUnit.SECONDS.toMillis(pod.graceSeconds));
  }

  private void finishTermination(LocalPod pod) {
    if (podsByKey.remove(pod.key(), pod)) {
      WorkloadState state = workloads.get(pod.owner);
      if (state != null) {
        state.pods.remove(pod);
      }
      LoopbackAddresses.release(pod.octet);
      pod.process = null;
      try {
        client.pods().inNamespace(pod.namespace).withName(pod.name).delete();
      } catch (KubernetesClientException e) {
        log.warn("could not delete Pod {}: {}", pod.key(), e.getMessage());
      }
      log.info("pod {} gone", pod.key());
      publishSlices(pod.namespace);
      reconcile(pod.owner);
    }
  }

  /** A Pod of ours deleted through the API (kubectl delete pod): stop it; the workload replaces it. */
  private void podDeletedExternally(Pod p) {
    LocalPod pod = podsByKey.get(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
    if (pod == null || pod.terminating) {
      return;
    }
    if (pod.uid != null && p.getMetadata().getUid() != null && !pod.uid.equals(p.getMetadata().getUid())) {
      return;
    }
    terminate(pod);
    reconcile(pod.owner);
  }

  // ---------------------------------------------------------------- publishing (runtime thread)

  private PodStatus podStatus(LocalPod pod) {
    String now = Instant.now().toString();
    return new PodStatusBuilder()
        .withPhase("Running")
        .withPodIP(pod.ip)
        .withPodIPs(new io.fabric8.kubernetes.api.model.PodIP(pod.ip))
        .withHostIP("127.0.0.1")
        .withStartTime(pod.startedAt.toString())
        .withConditions(
            new PodConditionBuilder().withType("Ready").withStatus(pod.ready ? "True" : "False").withLastTransitionTime(now).build(),
            new PodConditionBuilder().withType("ContainersReady").withStatus(pod.ready ? "True" : "False").withLastTransitionTime(now).build())
        .withContainerStatuses(new ContainerStatusBuilder()
            .withName("main").withReady(pod.ready).withRestartCount(pod.restarts).withStarted(pod.process != null)
            .build())
        .build();
  }

  private void updatePodStatus(LocalPod pod) {
    PodStatus status = podStatus(pod);
    editStatus(client.pods().inNamespace(pod.namespace).withName(pod.name), p -> {
      p.setStatus(status);
      return p;
    }, "Pod " + pod.key());
  }

  /** A status write: the status subresource when the API has one, else the whole object. */
  private <T extends HasMetadata> void editStatus(io.fabric8.kubernetes.client.dsl.Resource<T> resource, UnaryOperator<T> edit, String what) {
    try {
      if (resource.get() == null) {
        return;
      }
      resource.editStatus(edit);
    } catch (KubernetesClientException e) {
      try {
        resource.edit(edit);
      } catch (KubernetesClientException e2) {
        log.warn("could not update the status of {}: {}", what, e2.getMessage());
      }
    }
  }

  private void publishWorkloadStatus(WorkloadKey key) {
    WorkloadState state = workloads.get(key);
    if (state != null) {
      publishWorkloadStatus(key, workload(key), state);
    }
  }

  private void publishWorkloadStatus(WorkloadKey key, HasMetadata w, WorkloadState state) {
    if (w == null) {
      return;
    }
    int replicas = (int) state.pods.stream().filter(p -> !p.terminating).count();
    int ready = (int) state.pods.stream().filter(p -> !p.terminating && p.ready).count();
    Long generation = w.getMetadata().getGeneration();
    String summary = replicas + "/" + ready + "/" + generation;
    if (summary.equals(state.lastStatus)) {
      return;
    }
    state.lastStatus = summary;
    if (w instanceof Deployment) {
      editStatus(client.apps().deployments().inNamespace(key.namespace()).withName(key.name()), d -> {
        var s = d.getStatus() == null ? new io.fabric8.kubernetes.api.model.apps.DeploymentStatus() : d.getStatus();
        s.setReplicas(replicas);
        s.setReadyReplicas(ready);
        s.setAvailableReplicas(ready);
        s.setUpdatedReplicas(replicas);
        s.setUnavailableReplicas(Math.max(0, replicas - ready));
        s.setObservedGeneration(generation);
        d.setStatus(s);
        return d;
      }, "Deployment " + key.storeKey());
    } else {
      editStatus(client.apps().statefulSets().inNamespace(key.namespace()).withName(key.name()), d -> {
        var s = d.getStatus() == null ? new io.fabric8.kubernetes.api.model.apps.StatefulSetStatus() : d.getStatus();
        s.setReplicas(replicas);
        s.setReadyReplicas(ready);
        s.setAvailableReplicas(ready);
        s.setCurrentReplicas(replicas);
        s.setUpdatedReplicas(replicas);
        s.setObservedGeneration(generation);
        d.setStatus(s);
        return d;
      }, "StatefulSet " + key.storeKey());
    }
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    if (selector == null || selector.isEmpty()) {
      return false;
    }
    for (var e : selector.entrySet()) {
      if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the EndpointSlices of every Service of the namespace whose endpoints changed, and
   * deletes those no longer wanted. See {@link #slices}.
   */
  private void publishSlices(String namespace) {
    Set<String> seen = new HashSet<>();
    List<LocalPod> nsPods = podsByKey.values().stream()
        .filter(p -> p.namespace.equals(namespace))
        .sorted(Comparator.comparing(p -> p.name))
        .toList();
    for (Service svc : services.getStore().list()) {
      if (!namespace.equals(svc.getMetadata().getNamespace()) || svc.getSpec() == null) {
        continue;
      }
      String key = namespace + "/" + svc.getMetadata().getName();
      List<LocalPod> matching = nsPods.stream().filter(p -> selects(svc.getSpec().getSelector(), p.labels)).toList();
      Map<String, EndpointSlice> had = published.getOrDefault(key, Map.of());
      if (matching.isEmpty() && !published.containsKey(key)) {
        continue; // not ours: no local pod ever matched
      }
      seen.add(key);
      Map<String, EndpointSlice> want = slices(svc, matching);
      Map<String, EndpointSlice> now = new HashMap<>();
      // Writes before deletes, so a pod moving between slices is never in none.
      for (EndpointSlice slice : want.values()) {
        String name = slice.getMetadata().getName();
        EndpointSlice last = had.get(name);
        if (last != null && Objects.equals(last.getEndpoints(), slice.getEndpoints())
            && Objects.equals(last.getPorts(), slice.getPorts())) {
          now.put(name, last);
          continue;
        }
        try {
          client.discovery().v1().endpointSlices().inNamespace(namespace).resource(slice).createOr(NonDeletingOperation::update);
          now.put(name, slice);
        } catch (KubernetesClientException e) {
          log.warn("could not write EndpointSlice {}/{}: {}", namespace, name, e.getMessage());
        }
      }
      had.keySet().stream().filter(name -> !want.containsKey(name)).forEach(name -> deleteSlice(namespace, name));
      published.put(key, now);
    }
    for (var it = published.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().startsWith(namespace + "/") && !seen.contains(e.getKey())) {
        it.remove();
        e.getValue().keySet().forEach(name -> deleteSlice(namespace, name));
      }
    }
  }

  private void deleteSlice(String namespace, String name) {
    try {
      client.discovery().v1().endpointSlices().inNamespace(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete EndpointSlice {}/{}: {}", namespace, name, e.getMessage());
    }
  }

  /**
   * The EndpointSlices of a Service, as the EndpointSlice controller makes them: each Service
   * port is resolved in each pod ({@link #resolve}), listed under the Service port's name, and
   * pods whose ports resolve alike share a slice. One slice, {@code <svc>-local}, when all pods
   * agree (or there are none); otherwise {@code <svc>-local-<hash of the ports>} per group.
   */
  static Map<String, EndpointSlice> slices(Service svc, List<LocalPod> pods) {
    Map<List<EndpointPort>, List<LocalPod>> groups = new LinkedHashMap<>();
    for (LocalPod p : pods) {
      groups.computeIfAbsent(ports(svc, p), k -> new ArrayList<>()).add(p);
    }
    if (groups.isEmpty()) {
      groups.put(List.of(), List.of()); // a placeholder, as the controller keeps: no endpoints, no ports
    }
    String base = svc.getMetadata().getName() + "-local";
    Map<String, EndpointSlice> out = new LinkedHashMap<>();
    for (var g : groups.entrySet()) {
      String name = groups.size() == 1 ? base : base + "-" + portsHash(g.getKey());
      out.put(name, slice(svc, name, g.getKey(), g.getValue()));
    }
    return out;
  }

  /** The pod's ports for the Service: each Service port the pod resolves, in the Service's order. */
  private static List<EndpointPort> ports(Service svc, LocalPod pod) {
    List<EndpointPort> ports = new ArrayList<>();
    if (svc.getSpec().getPorts() == null) {
      return ports;
    }
    for (ServicePort sp : svc.getSpec().getPorts()) {
      Integer target = resolve(sp, pod);
      if (target != null) {
        ports.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName())
            .withPort(target).withProtocol(protocol(sp.getProtocol())).build());
      }
    }
    return ports;
  }

  /**
   * What a Service port's {@code targetPort} is in a pod, as Kubernetes' FindPort does: a number
   * as is (unset means the Service port), a name the pod's container port of that name and
   * protocol; null when the pod has none, and then the pod is not an endpoint of that port.
   */
  static Integer resolve(ServicePort sp, LocalPod pod) {
    var tp = sp.getTargetPort();
    if (tp != null && tp.getIntVal() != null) {
      return tp.getIntVal();
    }
    if (tp == null || tp.getStrVal() == null || tp.getStrVal().isBlank()) {
      return sp.getPort();
    }
    return pod.namedPorts.get(namedPortKey(tp.getStrVal(), sp.getProtocol()));
  }

  private static String namedPortKey(String name, String protocol) {
    return name + "/" + protocol(protocol);
  }

  private static String protocol(String protocol) {
    return protocol == null || protocol.isBlank() ? "TCP" : protocol;
  }

  private static String portsHash(List<EndpointPort> ports) {
    StringBuilder sb = new StringBuilder();
    ports.forEach(p -> sb.append(p.getName()).append('=').append(p.getPort()).append('/').append(p.getProtocol()).append(','));
    return String.format("%08x", sb.toString().hashCode());
  }

  private static EndpointSlice slice(Service svc, String sliceName, List<EndpointPort> ports, List<LocalPod> pods) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (LocalPod p : pods) {
      endpoints.add(new EndpointBuilder()
          .withAddresses(p.ip)
          .withNewConditions().withReady(p.ready && !p.terminating).withServing(p.terminating || p.ready).withTerminating(p.terminating).endConditions()
          .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(p.name).withNamespace(p.namespace).withUid(p.uid).build())
          .withNodeName(NODE_NAME)
          .withZone(p.zone)
          .build());
    }
    String name = svc.getMetadata().getName();
    return new EndpointSliceBuilder()
        .withNewMetadata()
          .withName(sliceName)
          .withNamespace(svc.getMetadata().getNamespace())
          .withLabels(Map.of(SERVICE_NAME_LABEL, name, MANAGED_BY_LABEL, MANAGED_BY))
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service").withName(name)
              .withUid(svc.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .withPorts(new ArrayList<>(ports))
        .build();
  }

  // ---------------------------------------------------------------- stopping

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    informers.forEach(i -> {
      try {
        i.stop();
      } catch (RuntimeException e) {
        log.debug("stopping an informer: {}", e.toString());
      }
    });
    loop.shutdown();
    probes.shutdownNow();
    try {
      if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      loop.shutdownNow();
    }
    killAll(closeGrace);
    podsByKey.values().forEach(p -> LoopbackAddresses.release(p.octet));
    podsByKey.clear();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) anyway
    }
    log.info("local runtime stopped");
  }

  /** SIGTERM every process (and its descendants), SIGKILL what is left after {@code grace}. */
  private void killAll(Duration grace) {
    List<Process> all = new ArrayList<>(processes);
    if (all.isEmpty()) {
      return;
    }
    List<ProcessHandle> handles = new ArrayList<>();
    for (Process p : all) {
      handles.addAll(p.descendants().toList());
      handles.add(p.toHandle());
    }
    handles.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle h : handles) {
      waitFor(h, deadline);
    }
    handles.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (ProcessHandle h : handles) {
      waitFor(h, killDeadline);
    }
    processes.removeAll(all);
  }

  private static void waitFor(ProcessHandle h, long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || !h.isAlive()) {
      return;
    }
    try {
      h.onExit().get(left, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // still alive: killed next
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
