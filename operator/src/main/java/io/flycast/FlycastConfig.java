package io.flycast;

import io.flycast.admin.AdminToken;
import io.flycast.catalog.ScaleKinds;
import io.flycast.control.translate.SecretNamespaces;
import io.flycast.proxy.tls.TlsProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the process is configured with; built by {@link Main} from flags and environment, or
 * directly by tests. A null listen address turns that listener off.
 *
 * @param kubeconfig kubeconfig file for a real cluster, or null for the default lookup
 * @param adminToken opens the admin status page and /debug endpoints to non-loopback clients that
 *     send it; null: loopback clients only
 * @param dedicatedListen bind address of the per-port listeners that route by destination address
 *     (the wildcard {@code ::} receives every Flycast address with the AnyIP route)
 * @param prefix the Flycast ULA prefix
 * @param autostopInterval how often idle backends are considered for stopping
 * @param autostartTimeout how long a request is held for a backend to start
 * @param maxHeldPerRoute requests held per route while its backend starts; beyond, 503
 * @param earlyProbing while requests are held, probe the starting pods with their own readiness
 *     probe and release the requests the moment one passes, instead of waiting for the kubelet's
 *     next probe period and the EndpointSlice
 * @param allServices FKS mode: manage every Service
 * @param zone this proxy's zone (Fly's region)
 * @param identity this replica's name in leader election
 * @param leaseNamespace namespace of the leader Lease
 * @param repairInterval how often the address repair pass runs
 * @param trustedCidrs sources that reach every private route (comma-separated CIDR blocks or
 *     addresses; empty: none)
 * @param proxyTuning the proxy's capacity queue, event loop threads and TLS implementation
 * @param permissions what the install's RBAC lets the operator read and scale beyond its fixed
 *     grants
 */
public record FlycastConfig(
    Path kubeconfig,
    InetSocketAddress adminListen,
    AdminToken adminToken,
    InetSocketAddress httpListen,
    InetSocketAddress tlsListen,
    InetSocketAddress dnsListen,
    InetAddress dedicatedListen,
    String prefix,
    Duration autostopInterval,
    Duration autostartTimeout,
    int maxHeldPerRoute,
    boolean earlyProbing,
    boolean allServices,
    String zone,
    String identity,
    String leaseNamespace,
    Duration repairInterval,
    String trustedCidrs,
    ProxyTuning proxyTuning,
    Permissions permissions) {

  /**
   * What the chart's RBAC grants that depends on its values, so the operator asks for nothing else:
   * a request outside it would be refused with Forbidden, and is reported on the route instead.
   *
   * @param secretNamespaces where TLS Secrets are read ({@code --secret-namespaces})
   * @param scaleKinds the kinds autostop/autostart may scale ({@code --scale-kinds})
   */
  public record Permissions(SecretNamespaces secretNamespaces, ScaleKinds scaleKinds) {
    /** Without flags: TLS Secrets of every namespace; Deployments and StatefulSets. */
    public static final Permissions DEFAULT =
        new Permissions(SecretNamespaces.ALL, ScaleKinds.BUILT_IN);

    public Permissions withSecretNamespaces(SecretNamespaces namespaces) {
      return new Permissions(namespaces, scaleKinds);
    }

    public Permissions withScaleKinds(ScaleKinds kinds) {
      return new Permissions(secretNamespaces, kinds);
    }
  }

  /**
   * @param queueTimeout how long work waits for a slot when every backend of its route is at its
   *     hard limit (zero: 503 at once)
   * @param maxQueuedPerRoute how many may wait per route
   * @param threads the proxy's event loop threads; 0 = one per core
   * @param tlsProvider which TLS implementation terminates TLS (OpenSSL when it loads, by default)
   * @param headerReadTimeout time a client has for its request head, TLS ClientHello or first
   *     Postgres message
   * @param bodyReadTimeout waiting a request body may cost in all, plus a second per {@code
   *     minBodyRate} bytes received
   * @param minBodyRate bytes per second that earn a request body more time
   * @param cacheMaxBytes the response caches of every route together, per replica
   * @param rateLimitMaxKeys distinct keys each route's rate limit tracks, per replica
   */
  public record ProxyTuning(
      Duration queueTimeout,
      int maxQueuedPerRoute,
      int threads,
      TlsProvider tlsProvider,
      Duration headerReadTimeout,
      Duration bodyReadTimeout,
      int minBodyRate,
      long cacheMaxBytes,
      int rateLimitMaxKeys) {
    public ProxyTuning {
      if (minBodyRate < 1) {
        throw new IllegalArgumentException(
            "--min-body-rate must be at least 1 byte per second, not " + minBodyRate);
      }
      if (rateLimitMaxKeys < 1) {
        throw new IllegalArgumentException(
            "--rate-limit-max-keys must be at least 1, not " + rateLimitMaxKeys);
      }
    }

    public static final ProxyTuning DEFAULT =
        new ProxyTuning(
            Duration.ofSeconds(5),
            1024,
            0,
            TlsProvider.AUTO,
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            500,
            io.flycast.catalog.CacheSettings.DEFAULT_GLOBAL_MAX_BYTES,
            io.flycast.catalog.RateLimit.DEFAULT_MAX_KEYS);
  }

  public static final String DEFAULT_PREFIX = "fdaa:0:48c8::/48";

  /**
   * Trusted by default in embedded mode and control-plane tests: the host's own loopback addresses,
   * where the developer's curl comes from. The local runtime's pods use 127.0.0.2 and up, so they
   * stay isolated.
   */
  public static final String LOCAL_TRUSTED = "127.0.0.1/32,::1/128";

  /**
   * Control-plane tests: admin on an ephemeral port, no proxy or DNS listeners, fast repair,
   * loopback trusted as in embedded mode.
   */
  public static FlycastConfig forTests(boolean allServices) {
    return new FlycastConfig(
        null,
        new InetSocketAddress("127.0.0.1", 0),
        null,
        null,
        null,
        null,
        null,
        DEFAULT_PREFIX,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        1000,
        true,
        allServices,
        "local",
        "test-" + java.util.UUID.randomUUID(),
        "default",
        Duration.ofMillis(200),
        LOCAL_TRUSTED,
        ProxyTuning.DEFAULT,
        Permissions.DEFAULT);
  }

  public FlycastConfig withPrefix(String p) {
    Copy c = new Copy(this);
    c.prefix = p;
    return c.build();
  }

  public FlycastConfig withLeader(String id, String leaseNs) {
    Copy c = new Copy(this);
    c.identity = id;
    c.leaseNamespace = leaseNs;
    return c.build();
  }

  /** With the proxy's shared HTTP listener and dedicated listeners (tests of the data path). */
  public FlycastConfig withProxy(InetSocketAddress http, InetAddress dedicated) {
    Copy c = new Copy(this);
    c.httpListen = http;
    c.dedicatedListen = dedicated;
    return c.build();
  }

  public FlycastConfig withRepairInterval(Duration every) {
    Copy c = new Copy(this);
    c.repairInterval = every;
    return c.build();
  }

  /** With these trusted sources (see {@code --trusted-cidrs}). */
  public FlycastConfig withTrustedCidrs(String cidrs) {
    Copy c = new Copy(this);
    c.trustedCidrs = cidrs;
    return c.build();
  }

  /** With these Secret namespaces and scale kinds (see {@link Permissions}). */
  public FlycastConfig withPermissions(Permissions p) {
    Copy c = new Copy(this);
    c.permissions = p;
    return c.build();
  }

  public FlycastConfig withAutoscale(Duration stopInterval, Duration startTimeout, int maxHeld) {
    Copy c = new Copy(this);
    c.autostopInterval = stopInterval;
    c.autostartTimeout = startTimeout;
    c.maxHeldPerRoute = maxHeld;
    return c.build();
  }

  /** With early probing of starting pods on or off (see {@code earlyProbing}). */
  public FlycastConfig withEarlyProbing(boolean on) {
    Copy c = new Copy(this);
    c.earlyProbing = on;
    return c.build();
  }

  /** A config's components, to change a few and build another: the one place that lists them. */
  private static final class Copy {
    Path kubeconfig;
    InetSocketAddress adminListen;
    AdminToken adminToken;
    InetSocketAddress httpListen;
    InetSocketAddress tlsListen;
    InetSocketAddress dnsListen;
    InetAddress dedicatedListen;
    String prefix;
    Duration autostopInterval;
    Duration autostartTimeout;
    int maxHeldPerRoute;
    boolean earlyProbing;
    boolean allServices;
    String zone;
    String identity;
    String leaseNamespace;
    Duration repairInterval;
    String trustedCidrs;
    ProxyTuning proxyTuning;
    Permissions permissions;

    Copy(FlycastConfig from) {
      this.kubeconfig = from.kubeconfig;
      this.adminListen = from.adminListen;
      this.adminToken = from.adminToken;
      this.httpListen = from.httpListen;
      this.tlsListen = from.tlsListen;
      this.dnsListen = from.dnsListen;
      this.dedicatedListen = from.dedicatedListen;
      this.prefix = from.prefix;
      this.autostopInterval = from.autostopInterval;
      this.autostartTimeout = from.autostartTimeout;
      this.maxHeldPerRoute = from.maxHeldPerRoute;
      this.earlyProbing = from.earlyProbing;
      this.allServices = from.allServices;
      this.zone = from.zone;
      this.identity = from.identity;
      this.leaseNamespace = from.leaseNamespace;
      this.repairInterval = from.repairInterval;
      this.trustedCidrs = from.trustedCidrs;
      this.proxyTuning = from.proxyTuning;
      this.permissions = from.permissions;
    }

    FlycastConfig build() {
      return new FlycastConfig(
          kubeconfig,
          adminListen,
          adminToken,
          httpListen,
          tlsListen,
          dnsListen,
          dedicatedListen,
          prefix,
          autostopInterval,
          autostartTimeout,
          maxHeldPerRoute,
          earlyProbing,
          allServices,
          zone,
          identity,
          leaseNamespace,
          repairInterval,
          trustedCidrs,
          proxyTuning,
          permissions);
    }
  }
}
