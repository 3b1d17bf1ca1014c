package io.flycast;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flycast.proxy.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin ListenFlags listen = new ListenFlags();
  @Mixin ProxyTuningFlags proxy = new ProxyTuningFlags();
  @Mixin AutoscaleFlags autoscale = new AutoscaleFlags();
  @Mixin PermissionFlags permissions = new PermissionFlags();

  @Option(
      names = "--kubeconfig",
      description =
          "Kubeconfig of the cluster to use (default: KUBECONFIG, ~/.kube/config, or in-cluster).",
      defaultValue = "${env:FLYCAST_KUBECONFIG}")
  Path kubeconfig;

  @Option(
      names = "--prefix",
      description = "IPv6 ULA prefix Flycast addresses come from. Env FLYCAST_PREFIX.",
      defaultValue = "${env:FLYCAST_PREFIX:-" + FlycastConfig.DEFAULT_PREFIX + "}")
  String prefix;

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

  /** The configuration the flags describe; an IllegalArgumentException names a bad value. */
  private FlycastConfig configFromFlags() {
    FlycastConfig config =
        new FlycastConfig(
            kubeconfig,
            listen.admin(),
            listen.adminToken(),
            listen.http(),
            listen.tls(),
            listen.dns(),
            listen.dedicated(),
            prefix,
            duration(autoscale.autostopInterval),
            duration(autoscale.autostartTimeout),
            autoscale.autostartMaxHeld,
            autoscale.earlyProbing,
            allServices,
            zone,
            identity != null ? identity : hostname(),
            leaseNamespace,
            Duration.ofSeconds(30),
            trustedCidrs(),
            proxy.tuning(),
            permissions.permissions());
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
