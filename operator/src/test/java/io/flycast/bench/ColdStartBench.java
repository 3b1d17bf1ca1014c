package io.flycast.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.AutoStopMode;
import io.flycast.api.ConcurrencySpec;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.HandlerName;
import io.flycast.api.ServicePort;
import io.flycast.catalog.RouteKey;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.runtime.LocalRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold-start benchmark ({@code BENCH=coldstart make bench}): the embedded API, the local runtime
 * (which readies pods on the kubelet's schedule) and Flycast in this JVM; backends are echo JVMs
 * whose readiness probe is an {@code httpGet /ready} every 10 s. Each cold start: the route is at
 * zero, one request is sent, and the time to its first response byte is measured; the app's own
 * start (its process start to listening, from its log) is taken from it, and what is left is
 * Flycast's share (with, in embedded mode, the scale write and the runtime's pod creation). Then
 * the route goes back to zero. Done with early probing on, then off (the kubelet's Ready decides).
 * Last, a burst of requests on a route at zero: failures, scale-ups and when, and the most requests
 * any one pod served at once.
 *
 * <p>Arguments: cold starts per mode (20), burst size (500), burst softLimit (25), hardLimit (50),
 * maxMachinesRunning for the burst (20).
 */
public final class ColdStartBench {
  /** The echo backend's line when it listens: that instant, and when the runtime launched it. */
  private static final Pattern LISTENING =
      Pattern.compile("^(\\S+) echo backend .* launched (\\S+)\\)$", Pattern.MULTILINE);

  private static final Duration WAIT = Duration.ofMinutes(2);

  /**
   * One cold start, in ms: request to first byte; the app's start (launch to listening); request to
   * launch; the app's start to its first answer to its readiness probe (launch to then); request to
   * the scale write reaching the API (Flycast's part before the pod exists).
   */
  record Sample(
      double firstByteMs,
      double appStartMs,
      double beforeProcessMs,
      double appAnswerMs,
      double toScaleMs) {

    /** The scale write reaching the API to the pod's process launched: the cluster's part. */
    double clusterMs() {
      return beforeProcessMs - toScaleMs;
    }

    /** The app listening to the client's first byte: Flycast's part after the pod exists. */
    double afterListeningMs() {
      return firstByteMs - appStartMs - beforeProcessMs;
    }

    @Override
    public String toString() {
      return String.format(
          "first byte %.0f = Flycast to the scale write %.0f + cluster to the launch %.0f + app"
              + " start %.0f + Flycast from listening %.0f (app's first /ready answer at launch"
              + " +%.0f)",
          firstByteMs, toScaleMs, clusterMs(), appStartMs, afterListeningMs(), appAnswerMs);
    }
  }

  private static final Pattern READY_ANSWERED =
      Pattern.compile("^(\\S+) echo backend .* first answered /ready$", Pattern.MULTILINE);

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int burst = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int soft = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    int hard = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    int maxMachines = args.length > 4 ? Integer.parseInt(args[4]) : 20;
    List<String> scaleLog = new CopyOnWriteArrayList<>();
    try (EmbeddedApiServer api = new EmbeddedApiServer().start(0);
        LocalRuntime runtime = new LocalRuntime(api.client()).closeGrace(Duration.ofSeconds(2))) {
      api.onRequest(
          (agent, method, path) -> {
            if (path.endsWith("/scale") && !"GET".equals(method)) {
              scaleLog.add(Instant.now().toString());
            }
          });
      runtime.start();
      KubernetesClient client = api.client();
      System.out.printf(
          "== cold start: %d cold starts per mode, readinessProbe httpGet /ready periodSeconds 10"
              + " ==%n",
          runs);
      String modes = System.getenv().getOrDefault("COLDSTART_MODES", "early,kubelet,burst");
      int warmups = Integer.parseInt(System.getenv().getOrDefault("COLDSTART_WARMUP", "1"));
      for (boolean early : new boolean[] {true, false}) {
        String ns = early ? "cold-early" : "cold-kubelet";
        if (!modes.contains(early ? "early" : "kubelet")) {
          continue;
        }
        try (Flycast flycast = flycast(client, early)) {
          route(client, ns, "web", 0, Map.of());
          awaitRouted(flycast, ns, "web");
          // The first cold start after Flycast starts also pays for loading and compiling the
          // code on its path (a Flycast that has run a while has done that): shown, not counted.
          for (int i = 0; i < warmups; i++) {
            System.out.printf(
                "warm-up (not counted): %s%n",
                coldStart(client, runtime, flycast, ns, "web", scaleLog));
          }
          List<Sample> samples = new ArrayList<>();
          for (int i = 0; i < runs; i++) {
            samples.add(coldStart(client, runtime, flycast, ns, "web", scaleLog));
          }
          report(early ? "early probing on " : "early probing off", samples);
        }
      }
      if (modes.contains("burst")) {
        try (Flycast flycast = flycast(client, true)) {
          burst(client, flycast, burst, soft, hard, maxMachines, scaleLog);
        }
      }
    }
  }

  static Flycast flycast(KubernetesClient client, boolean early) throws Exception {
    return new Flycast(
            FlycastConfig.forTests(false)
                .withProxy(new InetSocketAddress("127.0.0.1", 0), null)
                .withAutoscale(Duration.ofHours(1), Duration.ofSeconds(30), 2000)
                .withEarlyProbing(early),
            client)
        .start();
  }

  /** A Deployment of echo backends at zero with an HTTP readiness probe every 10 s, exposed. */
  static void route(
      KubernetesClient client,
      String ns,
      String name,
      int maxMachines,
      Map<String, Integer> limits) {
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
                .withReplicas(0)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer()
                .withName("app")
                .withImage("echo")
                // Warms its request path before it listens, so that the app's start as measured
                // (launch to listening) is when it can answer (see EchoBackend.warmUp).
                .addNewEnv()
                .withName("WARM_UP")
                .withValue("true")
                .endEnv()
                .addNewPort()
                .withContainerPort(8080)
                .endPort()
                .withNewReadinessProbe()
                .withNewHttpGet()
                .withPath("/ready")
                .withPort(new IntOrString(8080))
                .endHttpGet()
                .withPeriodSeconds(10)
                .endReadinessProbe()
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    ExposedServiceSpec spec = new ExposedServiceSpec();
    spec.selector = Map.of("app", name);
    spec.internalPort = 8080;
    ServicePort p = new ServicePort();
    p.port = 80;
    p.handlers = List.of(HandlerName.HTTP);
    spec.ports = List.of(p);
    spec.autoStopMachines = AutoStopMode.OFF;
    spec.autoStartMachines = true;
    if (maxMachines > 0) {
      spec.maxMachinesRunning = maxMachines;
    }
    if (!limits.isEmpty()) {
      spec.concurrency = new ConcurrencySpec();
      spec.concurrency.type = ConcurrencySpec.Kind.REQUESTS;
      spec.concurrency.softLimit = limits.get("soft");
      spec.concurrency.hardLimit = limits.get("hard");
    }
    es.setSpec(spec);
    client.resources(ExposedService.class).inNamespace(ns).resource(es).create();
  }

  static void awaitRouted(Flycast flycast, String ns, String name) {
    await()
        .atMost(WAIT)
        .until(() -> flycast.catalog().current().route(new RouteKey(ns, name)) != null);
  }

  /** One request to the route at zero; then back to zero, every pod gone. */
  static Sample coldStart(
      KubernetesClient client,
      LocalRuntime runtime,
      Flycast flycast,
      String ns,
      String name,
      List<String> scaleLog)
      throws IOException {
    scaleLog.clear();
    int port = flycast.proxy().httpAddress().getPort();
    Instant sent;
    long firstByte;
    String response;
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      s.setTcpNoDelay(true);
      sent = Instant.now();
      long t0 = System.nanoTime();
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: "
                      + name
                      + "."
                      + ns
                      + ".flycast\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      int b = in.read();
      firstByte = System.nanoTime() - t0;
      response = (char) b + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    if (!response.startsWith("HTTP/1.1 200")) {
      throw new IllegalStateException("cold start failed: " + response.lines().findFirst());
    }
    String pod = header(response, "x-echo-pod");
    Path log = runtime.logDir().resolve(ns + "_" + pod + ".log");
    Instant[] start = launchedAndListening(log);
    Matcher answered = READY_ANSWERED.matcher(Files.readString(log));
    Instant firstAnswer = answered.find() ? Instant.parse(answered.group(1)) : start[1];
    Instant scaled =
        scaleLog.isEmpty() ? start[0] : Instant.parse(scaleLog.get(0)); // Flycast's, before ours
    client.apps().deployments().inNamespace(ns).withName(name).scale(0);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                client.pods().inNamespace(ns).list().getItems().isEmpty()
                    && flycast
                        .catalog()
                        .current()
                        .route(new RouteKey(ns, name))
                        .backends()
                        .isEmpty());
    return new Sample(
        firstByte / 1e6,
        Duration.between(start[0], start[1]).toNanos() / 1e6,
        Duration.between(sent, start[0]).toNanos() / 1e6,
        Duration.between(start[0], firstAnswer).toNanos() / 1e6,
        Duration.between(sent, scaled).toNanos() / 1e6);
  }

  static String header(String response, String name) {
    for (String line : response.split("\r\n")) {
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /**
   * The pod's launch by the runtime and its listening, from the echo backend's log line (the last
   * one: a name is not reused, but a restart would append).
   */
  static Instant[] launchedAndListening(Path log) throws IOException {
    await()
        .atMost(WAIT)
        .until(() -> Files.exists(log) && LISTENING.matcher(Files.readString(log)).find());
    Matcher m = LISTENING.matcher(Files.readString(log));
    Instant[] last = null;
    while (m.find()) {
      last = new Instant[] {Instant.parse(m.group(2)), Instant.parse(m.group(1))};
    }
    return last;
  }

  static void report(String mode, List<Sample> samples) {
    System.out.printf("%s, %d cold starts (p50 / p99 in ms):%n", mode, samples.size());
    line("request -> first byte", samples, Sample::firstByteMs);
    line("app start (launch -> listening)", samples, Sample::appStartMs);
    line("Flycast's share (the difference)", samples, s -> s.firstByteMs() - s.appStartMs());
    line("  Flycast: request -> scale write at the API", samples, Sample::toScaleMs);
    line("  cluster: scale write -> process launched", samples, Sample::clusterMs);
    line("  Flycast: listening -> first byte", samples, Sample::afterListeningMs);
    line(
        "Flycast's own (the share without the cluster's part)",
        samples,
        s -> s.toScaleMs() + s.afterListeningMs());
    line("app's first /ready answer (launch -> it)", samples, Sample::appAnswerMs);
    line(
        "Flycast: the app's first /ready answer -> first byte",
        samples,
        s -> s.firstByteMs() - s.beforeProcessMs() - s.appAnswerMs());
    for (int i = 0; i < samples.size(); i++) {
      System.out.printf("  #%02d %s%n", i + 1, samples.get(i));
    }
  }

  private static void line(
      String what, List<Sample> samples, java.util.function.ToDoubleFunction<Sample> figure) {
    List<Double> values = samples.stream().map(figure::applyAsDouble).toList();
    System.out.printf("  %-55s %6.0f / %6.0f%n", what, pct(values, 50), pct(values, 99));
  }

  /** Nearest-rank percentile. */
  static double pct(List<Double> values, int p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  static void burst(
      KubernetesClient client,
      Flycast flycast,
      int n,
      int soft,
      int hard,
      int maxMachines,
      List<String> scaleLog)
      throws Exception {
    String ns = "cold-burst";
    route(client, ns, "api", maxMachines, Map.of("soft", soft, "hard", hard));
    awaitRouted(flycast, ns, "api");
    scaleLog.clear();
    // A burst is requests arriving at once: every connection is opened first, then each sends its
    // request when the gate opens, from a virtual thread of its own.
    int port = flycast.proxy().httpAddress().getPort();
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Socket s = new Socket("127.0.0.1", port);
      s.setSoTimeout(90_000);
      sockets.add(s);
    }
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    Map<String, Instant> firstAnswer = new ConcurrentHashMap<>();
    List<CompletableFuture<String>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Socket s = sockets.get(i);
      byte[] req =
          ("GET /b"
                  + i
                  + " HTTP/1.1\r\nHost: api."
                  + ns
                  + ".flycast\r\nx-echo-delay-ms: 200\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1);
      CompletableFuture<String> f = new CompletableFuture<>();
      all.add(f);
      Thread.ofVirtual()
          .start(
              () -> {
                try (s) {
                  gate.await();
                  s.getOutputStream().write(req);
                  String r =
                      new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                  String pod = header(r, "x-echo-pod");
                  if (pod != null) {
                    firstAnswer.putIfAbsent(pod, Instant.now());
                  }
                  f.complete(r);
                } catch (Exception e) {
                  f.completeExceptionally(e);
                }
              });
    }
    Instant t0 = Instant.now();
    gate.countDown();
    int ok = 0;
    int failed = 0;
    int maxInFlight = 0;
    for (var f : all) {
      try {
        String r = f.get(90, TimeUnit.SECONDS);
        if (r.startsWith("HTTP/1.1 200")) {
          ok++;
          String inFlight = header(r, "x-echo-in-flight");
          maxInFlight = Math.max(maxInFlight, inFlight == null ? 0 : Integer.parseInt(inFlight));
        } else {
          failed++;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        failed++;
      }
    }
    double all500 = Duration.between(t0, Instant.now()).toMillis();
    List<String> scales = new ArrayList<>();
    for (String at : scaleLog) {
      scales.add("+" + Duration.between(t0, Instant.parse(at)).toMillis() + " ms");
    }
    List<Long> firsts =
        firstAnswer.values().stream()
            .map(t -> Duration.between(t0, t).toMillis())
            .sorted()
            .toList();
    System.out.printf(
        "== burst: %d requests (each 200 ms at the backend) on a route at zero, softLimit %d,"
            + " hardLimit %d, maxMachinesRunning %d ==%n"
            + "answered 200: %d, failed: %d, all answered after %.0f ms%n"
            + "scale writes: %d at %s; replicas now %d; pods that answered: %d, their first answers"
            + " at %s ms%n"
            + "most requests one pod served at once: %d (hardLimit %d)%n",
        n,
        soft,
        hard,
        maxMachines,
        ok,
        failed,
        all500,
        scales.size(),
        scales,
        client.apps().deployments().inNamespace(ns).withName("api").get().getSpec().getReplicas(),
        firsts.size(),
        firsts,
        maxInFlight,
        hard);
  }
}
