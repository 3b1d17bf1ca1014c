package io.flycast;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flycast.admin.AdminToken;
import io.flycast.catalog.ScaleKinds;
import io.flycast.control.translate.SecretNamespaces;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.tls.TlsProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point: parses flags (each also settable by an environment variable, for containers) and
 * runs Flycast against a cluster until interrupted. SIGTERM (or Ctrl-C) shuts down gracefully:
 * readiness fails at once, the proxy serves on for {@code --shutdown-delay}, then finishes what is
 * in flight (see {@link Flycast#shutDown}).
 *
 * <p>This is the operator image's entry point. Embedded mode (a stand-in cluster in the same
 * process, for {@code make run} and the tests) is the {@code local} module's launcher, which
 * extends this class through the hooks below ({@link #connect}, {@link #clusterStarted}, {@link
 * #disconnect}): the stand-in's code never ships in the image.
 */
@Command(
    name = "flycast",
    mixinStandardHelpOptions = true,
    version = "flycast 0.1.0",
    description =
        "Fly.io's proxy model for Kubernetes: Flycast addresses, the proxy, autostop/autostart.",
    defaultValueProvider = CommandLine.PropertiesDefaultProvider.class,
    showDefaultValues = true)
public class Main implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--kubeconfig",
      description =
          "Kubeconfig of the cluster to use (default: KUBECONFIG, ~/.kube/config, or in-cluster).",
      defaultValue = "${env:FLYCAST_KUBECONFIG}")
  Path kubeconfig;

  @Option(
      names = "--admin-listen",
      description =
          "Admin server: /healthz /readyz /metrics for anyone; the status page and /debug/* for"
              + " loopback clients or with the admin token. Env FLYCAST_ADMIN_LISTEN.",
      defaultValue = "${env:FLYCAST_ADMIN_LISTEN:-127.0.0.1:9090}")
  String adminListen;

  @Option(
      names = "--admin-token-file",
      description =
          "File whose content (trimmed) is a bearer token: non-loopback clients that send"
              + " Authorization: Bearer <token> may read the admin status page and /debug/*. Unset:"
              + " those answer loopback clients only (kubectl port-forward). Env"
              + " FLYCAST_ADMIN_TOKEN_FILE.",
      defaultValue = "${env:FLYCAST_ADMIN_TOKEN_FILE}")
  String adminTokenFile;

  @Option(
      names = "--http-listen",
      description = "Shared HTTP listener, routed by Host. Env FLYCAST_HTTP_LISTEN.",
      defaultValue = "${env:FLYCAST_HTTP_LISTEN:-127.0.0.1:8080}")
  String httpListen;

  @Option(
      names = "--tls-listen",
      description = "Shared TLS listener, routed by SNI. Env FLYCAST_TLS_LISTEN.",
      defaultValue = "${env:FLYCAST_TLS_LISTEN:-127.0.0.1:8443}")
  String tlsListen;

  @Option(
      names = "--dns-listen",
      description =
          "DNS responder for the flycast and internal zones (empty = off). Env FLYCAST_DNS_LISTEN.",
      defaultValue = "${env:FLYCAST_DNS_LISTEN:-127.0.0.1:5353}")
  String dnsListen;

  @Option(
      names = "--dedicated-listen",
      description =
          "Bind address of the per-port listeners that route by destination address (:: receives"
              + " every Flycast address once the AnyIP route is installed; empty = off). Env"
              + " FLYCAST_DEDICATED_LISTEN.",
      defaultValue = "${env:FLYCAST_DEDICATED_LISTEN:-::}")
  String dedicatedListen;

  @Option(
      names = "--autostart-timeout",
      description =
          "How long a request is held while its backend starts. Env FLYCAST_AUTOSTART_TIMEOUT.",
      defaultValue = "${env:FLYCAST_AUTOSTART_TIMEOUT:-30s}")
  String autostartTimeout;

  @Option(
      names = "--early-probing",
      negatable = true,
      description =
          "While requests are held for a starting backend, probe its pods with their own readiness"
              + " probe and release the requests the moment one passes, rather than waiting for the"
              + " kubelet's next probe period (--no-early-probing to wait). Env"
              + " FLYCAST_EARLY_PROBING.",
      defaultValue = "${env:FLYCAST_EARLY_PROBING:-true}",
      fallbackValue = "true")
  boolean earlyProbing;

  @Option(
      names = "--autostart-max-held",
      description =
          "Requests held per route while its backend starts; beyond this, 503. Env"
              + " FLYCAST_AUTOSTART_MAX_HELD.",
      defaultValue = "${env:FLYCAST_AUTOSTART_MAX_HELD:-1000}")
  int autostartMaxHeld;

  @Option(
      names = "--queue-timeout",
      description =
          "How long a request or connection waits for a slot when every backend of its route is at"
              + " its hard limit; then 503 (0 = at once). Env FLYCAST_QUEUE_TIMEOUT.",
      defaultValue = "${env:FLYCAST_QUEUE_TIMEOUT:-5s}")
  String queueTimeout;

  @Option(
      names = "--max-queued",
      description =
          "Requests or connections that may wait per route for a slot; beyond this, 503 at once."
              + " Env FLYCAST_MAX_QUEUED.",
      defaultValue = "${env:FLYCAST_MAX_QUEUED:-1024}")
  int maxQueued;

  @Option(
      names = "--cache-max-size",
      description =
          "Bytes the response caches of every route hold together on this replica (64Mi, 1Gi, ...);"
              + " a route asking for more is Valid=False. Env FLYCAST_CACHE_MAX_SIZE.",
      defaultValue = "${env:FLYCAST_CACHE_MAX_SIZE:-256Mi}")
  String cacheMaxSize;

  @Option(
      names = "--header-read-timeout",
      description =
          "Time a client has to send its request head, its TLS ClientHello or its first Postgres"
              + " message; then 408 or close. Env FLYCAST_HEADER_READ_TIMEOUT.",
      defaultValue = "${env:FLYCAST_HEADER_READ_TIMEOUT:-10s}")
  String headerReadTimeout;

  @Option(
      names = "--body-read-timeout",
      description =
          "Time a request body may keep the proxy waiting, in all, plus 1 s per --min-body-rate"
              + " bytes received; then 408. Env FLYCAST_BODY_READ_TIMEOUT.",
      defaultValue = "${env:FLYCAST_BODY_READ_TIMEOUT:-20s}")
  String bodyReadTimeout;

  @Option(
      names = "--min-body-rate",
      description =
          "Bytes per second of request body that earn a second more of --body-read-timeout. Env"
              + " FLYCAST_MIN_BODY_RATE.",
      defaultValue = "${env:FLYCAST_MIN_BODY_RATE:-500}")
  int minBodyRate;

  @Option(
      names = "--proxy-threads",
      description =
          "Event loop threads of the proxy (0 = one per core). Env FLYCAST_PROXY_THREADS.",
      defaultValue = "${env:FLYCAST_PROXY_THREADS:-0}")
  int proxyThreads;

  @Option(
      names = "--tls-provider",
      description =
          "TLS implementation: auto (OpenSSL when it loads, else the JDK's), openssl (refuse to"
              + " start without it) or jdk. Env FLYCAST_TLS_PROVIDER; system property"
              + " flycast.tls.provider, as the embedded proxy reads.",
      defaultValue = "${sys:" + TlsProvider.PROPERTY + ":-${env:" + TlsProvider.ENV + ":-auto}}")
  String tlsProvider;

  @Option(
      names = "--prefix",
      description = "IPv6 ULA prefix Flycast addresses come from. Env FLYCAST_PREFIX.",
      defaultValue = "${env:FLYCAST_PREFIX:-" + FlycastConfig.DEFAULT_PREFIX + "}")
  String prefix;

  @Option(
      names = "--autostop-interval",
      description =
          "How often idle backends are considered for stopping (e.g. 5m, 30s). Env"
              + " FLYCAST_AUTOSTOP_INTERVAL.",
      defaultValue = "${env:FLYCAST_AUTOSTOP_INTERVAL:-5m}")
  String autostopInterval;

  @Option(
      names = "--all-services",
      description = "FKS mode: manage every Service in the cluster. Env FLYCAST_ALL_SERVICES.",
      defaultValue = "${env:FLYCAST_ALL_SERVICES:-false}")
  boolean allServices;

  @Option(
      names = "--zone",
      description = "This proxy's zone (Fly's region), preferred when balancing. Env FLYCAST_ZONE.",
      defaultValue = "${env:FLYCAST_ZONE:-local}")
  String zone;

  @Option(
      names = "--lease-namespace",
      description = "Namespace of the leader-election Lease. Env POD_NAMESPACE.",
      defaultValue = "${env:POD_NAMESPACE:-default}")
  String leaseNamespace;

  @Option(
      names = "--identity",
      description = "This replica's leader-election identity. Env POD_NAME.",
      defaultValue = "${env:POD_NAME}")
  String identity;

  @Option(
      names = "--shutdown-delay",
      description =
          "On SIGTERM, how long the proxy keeps accepting and serving after /readyz turns 503, so"
              + " the Service's endpoints drop this replica on every node before it stops"
              + " listening; then work in flight gets 10 s more. Default: 10s, or 0 with --embedded"
              + " (nothing routes to it by readiness). Env FLYCAST_SHUTDOWN_DELAY.",
      defaultValue = "${env:FLYCAST_SHUTDOWN_DELAY}")
  String shutdownDelay;

  @Option(
      names = "--trusted-cidrs",
      description =
          "Comma-separated CIDR blocks whose clients reach every private route (e.g. node"
              + " addresses). Default: none; in embedded mode the host's loopback (127.0.0.1, ::1)"
              + " and the Flycast prefix. Env FLYCAST_TRUSTED_CIDRS.",
      defaultValue = "${env:FLYCAST_TRUSTED_CIDRS}")
  String trustedCidrs;

  @Option(
      names = "--secret-namespaces",
      description =
          "Comma-separated namespaces whose TLS Secrets are read, one watch each, so Secrets need"
              + " granting there only; a route elsewhere cannot terminate TLS (its status says so)."
              + " Empty: every namespace. Env FLYCAST_SECRET_NAMESPACES.",
      defaultValue = "${env:FLYCAST_SECRET_NAMESPACES:-}")
  String secretNamespaces;

  @Option(
      names = "--scale-kinds",
      description =
          "Comma-separated kinds autostop/autostart may scale, as <apiVersion>/<Kind>=<resource>"
              + " (what RBAC grants /scale on); a route naming another kind gets no autoscale and a"
              + " Valid=False condition saying what to set. Empty: none (autoscale off). Env"
              + " FLYCAST_SCALE_KINDS.",
      defaultValue =
          "${env:FLYCAST_SCALE_KINDS:-apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets}")
  String scaleKinds;

  /**
   * Unset: nothing is trusted in a cluster. Embedded mode trusts what can only be this host: the
   * developer's loopback curl, and Flycast addresses (with the AnyIP route, a local client's source
   * is the Flycast address it dials). Set, even to empty, it is used as given.
   */
  private String trustedCidrs() {
    if (trustedCidrs != null) {
      return trustedCidrs;
    }
    return local() ? FlycastConfig.LOCAL_TRUSTED + "," + prefix : "";
  }

  /**
   * Behind a Service, endpoint removal reaches kube-proxy on every node (and ingress controllers
   * watching EndpointSlices) within a second or two, more on a busy control plane: 10 s covers that
   * with room, and keeps a rolling restart short. Embedded mode has no Service in front of it, so
   * Ctrl-C there does not wait.
   */
  static final Duration DEFAULT_SHUTDOWN_DELAY = Duration.ofSeconds(10);

  /** {@code --shutdown-delay}, or its default for this mode. */
  Duration shutdownDelay() {
    if (shutdownDelay == null || shutdownDelay.isBlank()) {
      return local() ? Duration.ZERO : DEFAULT_SHUTDOWN_DELAY;
    }
    return duration(shutdownDelay); // never negative: the grammar has no sign
  }

  /**
   * Blank (say, -Dflycast.tls.provider= with FLYCAST_TLS_PROVIDER set) falls through as the
   * embedded proxy's {@link TlsProvider#fromEnvironment()} does, down to auto.
   */
  TlsProvider tlsProvider() {
    return tlsProvider.isBlank() ? TlsProvider.fromEnvironment() : TlsProvider.parse(tlsProvider);
  }

  /** The token in --admin-token-file, or null when the flag is unset or blank. */
  AdminToken adminToken() {
    if (adminTokenFile == null || adminTokenFile.isBlank()) {
      return null;
    }
    try {
      return AdminToken.read(Path.of(adminTokenFile));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--admin-token-file: " + e.getMessage(), e);
    }
  }

  /** The configuration the flags describe; an IllegalArgumentException names a bad value. */
  private FlycastConfig configFromFlags() {
    FlycastConfig config =
        new FlycastConfig(
            kubeconfig,
            hostPort(adminListen),
            adminToken(),
            hostPort(httpListen),
            hostPort(tlsListen),
            dnsListen == null || dnsListen.isBlank()
                ? null
                : io.flycast.dns.DnsServer.parseListen(dnsListen),
            dedicatedListen == null || dedicatedListen.isBlank()
                ? null
                : new inet.ipaddr.IPAddressString(dedicatedListen).getAddress().toInetAddress(),
            prefix,
            duration(autostopInterval),
            duration(autostartTimeout),
            autostartMaxHeld,
            earlyProbing,
            allServices,
            zone,
            identity != null ? identity : hostname(),
            leaseNamespace,
            Duration.ofSeconds(30),
            trustedCidrs(),
            new FlycastConfig.ProxyTuning(
                duration(queueTimeout),
                maxQueued,
                proxyThreads,
                tlsProvider(),
                duration(headerReadTimeout),
                duration(bodyReadTimeout),
                minBodyRate,
                cacheSize(cacheMaxSize)),
            new FlycastConfig.Permissions(
                SecretNamespaces.parse(secretNamespaces),
                ScaleKinds.parse(scaleKinds == null ? "" : scaleKinds)));
    io.flycast.network.Cidr.parseList(
        config.trustedCidrs()); // a typo fails here, before anything starts
    return config;
  }

  @Override
  public Integer call() throws Exception {
    FlycastConfig config;
    Duration delay;
    try {
      config = configFromFlags();
      delay = shutdownDelay();
    } catch (IllegalArgumentException | CommandLine.TypeConversionException e) {
      // A flag's value is wrong: say which, as picocli does for unknown flags, without a stack
      // trace.
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    KubernetesClient client = connect();
    Flycast flycast;
    try {
      flycast = new Flycast(config, client).start();
    } catch (IllegalStateException e) {
      String flag = listenFlag(e.getMessage());
      if (flag == null) {
        throw e;
      }
      // A port taken (another Flycast, another DNS server on 5353): say which flag moves it.
      throw new ListenFailure(e.getMessage() + "; free the port or move it with " + flag);
    }
    clusterStarted(client);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  flycast.shutDown(delay);
                  disconnect(client);
                  done.countDown();
                },
                "flycast-shutdown"));
    StartBanner.print(flycast, config, bannerKubeconfig());
    done.await();
    return 0;
  }

  /**
   * Whether this process runs on the developer's machine with a stand-in cluster: then loopback is
   * trusted and Ctrl-C need not wait for endpoints to go. False for the operator image.
   */
  protected boolean local() {
    return false;
  }

  /** The client of the cluster Flycast runs against: {@code --kubeconfig}'s, or in-cluster. */
  protected KubernetesClient connect() throws IOException {
    return new KubernetesClientBuilder().withConfig(clusterConfig(kubeconfig)).build();
  }

  /** Called once Flycast has started; a launcher with a stand-in cluster starts its workloads. */
  protected void clusterStarted(KubernetesClient client) throws IOException {}

  /** Called at shutdown, after Flycast has stopped: closes what {@link #connect} opened. */
  protected void disconnect(KubernetesClient client) {
    client.close();
  }

  /** A kubeconfig the start banner tells the user to use, or null. */
  protected Path bannerKubeconfig() {
    return null;
  }

  /**
   * The client configuration against a real cluster: the kubeconfig given, else the in-cluster or
   * default one, over HTTP/1.1. With the JDK HTTP client, HTTP/2 is a single connection that is
   * never replaced when it goes silent (no PINGs) and that fails requests past the server's stream
   * limit; watches are WebSockets either way. docs/api-client.md has the measurements.
   */
  static Config clusterConfig(Path kubeconfig) throws IOException {
    Config c =
        kubeconfig != null
            ? Config.fromKubeconfig(Files.readString(kubeconfig))
            : Config.autoConfigure(null);
    c.setHttp2Disable(true);
    return c;
  }

  /** A listener could not bind: reported in one line naming the flag, without a stack trace. */
  static final class ListenFailure extends RuntimeException {
    ListenFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** The flag that moves the listener a startup failure names, or null when it names none. */
  static String listenFlag(String failure) {
    if (failure == null) {
      return null;
    } else if (failure.startsWith("DNS cannot listen on")) {
      return "--dns-listen (empty turns DNS off)";
    } else if (failure.startsWith("admin server cannot listen on")) {
      return "--admin-listen";
    } else if (failure.startsWith("proxy cannot listen on")) {
      return "--http-listen or --tls-listen";
    }
    return null;
  }

  static InetSocketAddress hostPort(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new CommandLine.TypeConversionException("expected host:port, got '" + s + "'");
    }
    String host = s.substring(0, colon).replace("[", "").replace("]", "");
    try {
      return new InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("bad port in '" + s + "'");
    }
  }

  static Duration duration(String s) {
    try {
      return io.flycast.catalog.Durations.parse(s);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  static long cacheSize(String s) {
    try {
      return io.flycast.catalog.CacheSettings.parseSize(s);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("--cache-max-size: " + e.getMessage());
    }
  }

  private static String hostname() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName()
          + "-"
          + ProcessHandle.current().pid();
    } catch (IOException e) {
      return "flycast-" + ProcessHandle.current().pid();
    }
  }

  public static void main(String[] args) {
    System.exit(execute(new Main(), args));
  }

  /**
   * Runs {@code main} with {@code args}: the exit status. A port that cannot be bound is one line
   * naming the flag that moves it.
   */
  protected static int execute(Main main, String[] args) {
    ProxyServer.disableLeakDetectionUnlessAsked();
    return new CommandLine(main)
        .setExecutionExceptionHandler(
            (e, cli, parsed) -> {
              if (e instanceof ListenFailure) {
                cli.getErr().println("flycast: " + e.getMessage());
                return 1;
              }
              throw e;
            })
        .execute(args);
  }
}
