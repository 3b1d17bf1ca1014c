package io.flycast.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged jar, started as a separate process in embedded mode, as `make run` does. */
final class FlycastProcess implements AutoCloseable {
  final Path stateDir;
  final int adminPort;
  final int dnsPort;
  final int httpPort;
  final int tlsPort;
  final Process process;
  final Path log;

  private FlycastProcess(
      Path stateDir,
      int adminPort,
      int dnsPort,
      int httpPort,
      int tlsPort,
      Process process,
      Path log) {
    this.httpPort = httpPort;
    this.tlsPort = tlsPort;
    this.stateDir = stateDir;
    this.adminPort = adminPort;
    this.dnsPort = dnsPort;
    this.process = process;
    this.log = log;
  }

  static Path repo() {
    return Path.of(System.getProperty("flycast.repo", "..")).toAbsolutePath().normalize();
  }

  /** The jar run against a real cluster, as `KUBECONFIG=... make run` does. */
  static FlycastProcess startAgainst(String kubeconfig, String leaseNamespace, String... extraArgs)
      throws IOException {
    List<String> args =
        new ArrayList<>(List.of("--kubeconfig", kubeconfig, "--lease-namespace", leaseNamespace));
    args.addAll(List.of(extraArgs));
    return startEmbedded(false, args.toArray(String[]::new));
  }

  static FlycastProcess startEmbedded(String... extraArgs) throws IOException {
    return startEmbedded(true, extraArgs);
  }

  private static FlycastProcess startEmbedded(boolean embedded, String... extraArgs)
      throws IOException {
    Ports ports = Ports.free();
    List<String> args = new ArrayList<>(ports.listenArgs());
    if (embedded) {
      args.add("--embedded");
    }
    args.addAll(List.of(extraArgs));
    return launch(sharedArchiveArgs(), args, java.util.Map.of(), ports);
  }

  /**
   * The jar with the arguments and environment a chart render gives the container, adapted to run
   * here: its listeners on free loopback ports instead of the pod's (DNS stays off when the render
   * turns it off), the cluster from {@code kubeconfig} instead of the pod's ServiceAccount, and
   * {@code env} for what the downward API would set (POD_NAME, POD_NAMESPACE, POD_IP).
   */
  static FlycastProcess startWithRenderedArgs(
      String kubeconfig, List<String> rendered, java.util.Map<String, String> env)
      throws IOException {
    Ports ports = Ports.free();
    List<String> args = new ArrayList<>();
    for (String a : rendered) {
      String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "";
      args.add(
          switch (flag) {
            case "--admin-listen" -> flag + "=127.0.0.1:" + ports.admin;
            case "--http-listen" -> flag + "=127.0.0.1:" + ports.http;
            case "--tls-listen" -> flag + "=127.0.0.1:" + ports.tls;
            case "--dns-listen" -> value.isEmpty() ? a : flag + "=127.0.0.1:" + ports.dns;
            // Nothing routes to this process by its readiness (see launch): no wait at SIGTERM.
            case "--shutdown-delay" -> flag + "=0";
            default -> a;
          });
    }
    args.addAll(List.of("--kubeconfig", kubeconfig));
    return launch(sharedArchiveArgs(), args, env, ports);
  }

  /** Loopback ports for the listeners, free when chosen. */
  private record Ports(int admin, int dns, int http, int tls) {
    static Ports free() throws IOException {
      return new Ports(freePort(), freePort(), freePort(), freePort());
    }

    /** The flags that make a process listen on these ports, on 127.0.0.1. */
    List<String> listenArgs() {
      return List.of(
          "--admin-listen",
          "127.0.0.1:" + admin,
          "--dns-listen",
          "127.0.0.1:" + dns,
          "--http-listen",
          "127.0.0.1:" + http,
          "--tls-listen",
          "127.0.0.1:" + tls);
    }
  }

  /** The developer's jar (the operator's, plus --embedded) that the e2e tests run. */
  static Path jar() {
    return Path.of(
        System.getProperty(
            "flycast.jar", repo().resolve("local/target/flycast-local.jar").toString()));
  }

  /** The operator's jar, as the image carries it: no embedded mode. */
  static Path operatorJar() {
    return repo().resolve("operator/target/flycast-operator.jar");
  }

  /** {@code java}, then {@code jvmArgs}, then {@code -jar} the jar with {@code args}. */
  private static FlycastProcess launch(
      List<String> jvmArgs, List<String> args, java.util.Map<String, String> env, Ports ports)
      throws IOException {
    Path jar = jar();
    Path state = Files.createTempDirectory("flycast-e2e");
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(jvmArgs);
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "--state-dir",
            state.toString(),
            // Dedicated listeners bind the wildcard on service ports (80...); AnyIpE2E covers
            // them in a netns.
            "--dedicated-listen",
            ""));
    cmd.addAll(args);
    Path log = state.resolve("flycast.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    // Nothing routes to these processes by their readiness, so SIGTERM need not wait (a process
    // against a cluster would wait 10 s); a test of the shutdown delay passes --shutdown-delay.
    pb.environment().put("FLYCAST_SHUTDOWN_DELAY", "0");
    pb.environment().putAll(env);
    Process p = pb.start();
    FlycastProcess fp =
        new FlycastProcess(state, ports.admin, ports.dns, ports.http, ports.tls, p, log);
    try {
      // Two minutes: about 4 s of CPU, but with two CI runs of two e2e forks each on two cores a
      // start took over 60 s (runs 21 and 22, three starts each).
      await()
          .atMost(READY_WITHIN)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new IllegalStateException("flycast exited: " + Files.readString(log));
                }
                return fp.get("/readyz").statusCode() == 200;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // What the process was doing is the only clue to why it never got ready.
      String threads = threads(p.pid());
      // Never left running: a process the test gave up on went on to start its pods and load the
      // rest of the run, and the next starts timed out in turn (runs 21 and 22).
      p.destroy();
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException interrupted) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      throw new AssertionError(
          "flycast not ready within "
              + READY_WITHIN
              + "; its log ends:\n"
              + tail(log)
              + "\nits threads:\n"
              + threads,
          e);
    }
    return fp;
  }

  /** How long a process may take to answer /readyz 200. */
  static final Duration READY_WITHIN = Duration.ofMinutes(2);

  /** The last 40 lines of a process log. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The main thread and Flycast's own, from {@code jcmd Thread.print}. */
  static String threads(long pid) {
    try {
      Process jcmd =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid),
                  "Thread.print")
              .redirectErrorStream(true)
              .start();
      String out =
          new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      jcmd.waitFor(20, TimeUnit.SECONDS);
      return java.util.Arrays.stream(out.split("\n\n"))
          .filter(t -> t.startsWith("\"main\"") || t.contains("io.flycast"))
          .collect(java.util.stream.Collectors.joining("\n\n"));
    } catch (IOException | InterruptedException e) {
      return "(no thread dump: " + e + ")";
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The archive the processes map, once there is one; null until then. */
  private static Path sharedArchive;

  /** Making the archive failed in this JVM: its processes start without one. */
  private static boolean sharedArchiveFailed;

  /**
   * The JVM arguments that map the jar's class-data sharing archive (the JDK's AppCDS), or none.
   * Starting the jar is most of the CPU an E2E class spends, and on this 2-core machine, with two
   * classes at a time, what the tier waits on: with the archive a process reaches /readyz on about
   * half the CPU time (3.7 s instead of 6.7 s for embedded mode with the examples). The process is
   * the same: the archive changes where its classes are loaded from, not what they do. One JVM
   * makes it, per build of the jar; until then (or if making it fails) processes start as before.
   * {@code -Dflycast.e2e.cds=false} turns it off.
   */
  static synchronized List<String> sharedArchiveArgs() {
    if (sharedArchive == null
        && !sharedArchiveFailed
        && Boolean.parseBoolean(System.getProperty("flycast.e2e.cds", "true"))) {
      try {
        sharedArchive = makeSharedArchive();
      } catch (Exception | AssertionError e) {
        sharedArchiveFailed = true;
        System.err.println("[e2e] no class-data sharing archive, processes start without: " + e);
      }
    }
    return sharedArchive == null ? List.of() : List.of("-XX:SharedArchiveFile=" + sharedArchive);
  }

  /**
   * The archive of the jar as it is now (named by its size and time, as the JVM checks them), made
   * if missing by a training run: embedded mode with the examples, to /readyz, then SIGTERM (the
   * JVM writes the archive as it exits). Null while another JVM makes it: a lock file says which.
   */
  private static Path makeSharedArchive() throws Exception {
    Path jar = jar();
    Path dir = Files.createDirectories(repo().resolve("e2e/target/cds"));
    String key = Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis();
    Path archive = dir.resolve("flycast-local-" + key + ".jsa");
    if (Files.exists(archive)) {
      return archive;
    }
    try (java.nio.channels.FileChannel ch =
            java.nio.channels.FileChannel.open(
                dir.resolve("training.lock"),
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock = ch.tryLock()) {
      if (lock == null) {
        return null;
      }
      if (Files.exists(archive)) {
        return archive;
      }
      Path made = dir.resolve(archive.getFileName() + ".tmp");
      Files.deleteIfExists(made);
      Ports ports = Ports.free();
      try (FlycastProcess training =
          launch(
              List.of("-XX:ArchiveClassesAtExit=" + made),
              java.util.stream.Stream.concat(
                      ports.listenArgs().stream(),
                      java.util.stream.Stream.of(
                          "--embedded", "--apply", repo().resolve("examples").toString()))
                  .toList(),
              java.util.Map.of(),
              ports)) {
        // SIGTERM at close; the archive is written before the JVM exits.
      }
      // Usable? -Xshare:on makes a process that cannot map it fail instead of starting without.
      Process check =
          new ProcessBuilder(
                  java(),
                  "-Xshare:on",
                  "-XX:SharedArchiveFile=" + made,
                  "-jar",
                  jar.toString(),
                  "--help")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("check.log").toFile())
              .start();
      if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
        check.destroyForcibly();
        throw new IOException(
            "the archive made does not map: " + Files.readString(dir.resolve("check.log")));
      }
      Files.move(made, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return archive;
    }
  }

  /** SIGTERM, as the kubelet sends when it stops a pod. */
  void sigterm() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
  }

  KubernetesClient client() throws IOException {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(stateDir.resolve("kubeconfig"))))
        .build();
  }

  HttpResponse<String> get(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request through the shared HTTP listener, routed by Host. */
  RawResponse viaProxy(String host, String path) {
    return viaProxy(host, path, List.of());
  }

  /** {@link #viaProxy(String, String)} with extra header lines ({@code "Name: value"}). */
  RawResponse viaProxy(String host, String path, List<String> headers) {
    try {
      // Raw socket: the JDK client refuses to set Host unless a global property is set.
      try (var s = new java.net.Socket("127.0.0.1", httpPort)) {
        s.setSoTimeout(90_000);
        StringBuilder extra = new StringBuilder();
        headers.forEach(h -> extra.append(h).append("\r\n"));
        s.getOutputStream()
            .write(
                ("GET "
                        + path
                        + " HTTP/1.1\r\nHost: "
                        + host
                        + "\r\n"
                        + extra
                        + "Connection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String raw =
            new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new RawResponse(raw);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Just enough of an HttpResponse for assertions: status and body. */
  record RawResponse(String raw) implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return Integer.parseInt(raw.substring(9, 12));
    }

    @Override
    public String body() {
      int i = raw.indexOf("\r\n\r\n");
      return i < 0 ? "" : raw.substring(i + 4);
    }

    @Override
    public HttpRequest request() {
      return null;
    }

    @Override
    public java.util.Optional<HttpResponse<String>> previousResponse() {
      return java.util.Optional.empty();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true);
    }

    @Override
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
      return java.util.Optional.empty();
    }

    @Override
    public URI uri() {
      return null;
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }

  /** Where {@link #freePort} looks: below the kernel's ephemeral range (32768-60999 here). */
  private static final int PORT_FIRST = 20_000;

  private static final int PORT_SPAN = 12_000;

  private static int portCursor =
      java.util.concurrent.ThreadLocalRandom.current().nextInt(PORT_SPAN);

  /** The lock files of the ports this JVM handed out, held until it exits. */
  private static final List<java.nio.channels.FileChannel> reserved = new ArrayList<>();

  /**
   * A loopback port for a listener, handed out once per machine while this JVM lives. The E2E
   * classes run two at a time, one JVM each (failsafe's forkCount), and a port chosen here is bound
   * seconds later by the process the test starts: a port that {@code new ServerSocket(0)} just gave
   * back could meanwhile be handed to the other JVM too. So ports come from below the kernel's
   * ephemeral range, where no {@code bind(0)} or outgoing connection lands, and each one is held by
   * a lock file under {@code java.io.tmpdir/flycast-e2e-ports} (as LoopbackAddresses does for pod
   * addresses), which the other JVM skips. A port something listens on (TCP or UDP) is skipped too.
   */
  static synchronized int freePort() throws IOException {
    for (int i = 0; i < PORT_SPAN; i++) {
      int port = PORT_FIRST + portCursor++ % PORT_SPAN;
      if (reserve(port) && bindable(port)) {
        return port;
      }
    }
    throw new IOException(
        "no free port in " + PORT_FIRST + "-" + (PORT_FIRST + PORT_SPAN - 1) + " on 127.0.0.1");
  }

  /** Takes the port's lock file; false when another JVM holds it. */
  private static boolean reserve(int port) {
    try {
      Path dir =
          Files.createDirectories(
              Path.of(System.getProperty("java.io.tmpdir"), "flycast-e2e-ports"));
      java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(
              dir.resolve(port + ".lock"),
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE);
      try {
        if (ch.tryLock() != null) {
          reserved.add(ch);
          return true;
        }
      } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
        // held elsewhere
      }
      ch.close();
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean bindable(int port) {
    var loopback = new java.net.InetSocketAddress("127.0.0.1", port);
    try (ServerSocket tcp = new ServerSocket();
        java.net.DatagramSocket udp = new java.net.DatagramSocket(null)) {
      tcp.bind(loopback);
      udp.bind(loopback);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy(); // SIGTERM: the shutdown hook closes everything
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("flycast did not stop within 20s of SIGTERM");
    }
  }
}
