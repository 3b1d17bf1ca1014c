package io.flycast.control;

/**
 * Annotation and label names. FKS's spelling where FKS has one ({@code service.fly.io/…}, {@code
 * fly.io/clusterip-allocator}); ours, under {@code fly.io/}, for the rest.
 */
public final class FlycastAnnotations {
  private FlycastAnnotations() {}

  /** Service annotation opting a Service in: {@code "true"}. */
  public static final String FLYCAST = "fly.io/flycast";

  /** Namespace label opting every Service of the namespace in: {@code enabled}. */
  public static final String NAMESPACE_LABEL = "fly.io/flycast";

  public static final String NAMESPACE_LABEL_ENABLED = "enabled";

  /** Marks a Service whose address Flycast allocated (FKS: {@code configured}). */
  public static final String CLUSTERIP_ALLOCATOR = "fly.io/clusterip-allocator";

  public static final String CLUSTERIP_ALLOCATOR_CONFIGURED = "configured";

  /** The allocated Flycast address. */
  public static final String FLYCAST_IP = "fly.io/flycast-ip";

  /** A requested Flycast address. */
  public static final String FLYCAST_IP_REQUEST = "fly.io/flycast-ip-request";

  /** The catalog version in which the Service's current route became routable (FKS). */
  public static final String SYNC_VERSION = "service.fly.io/sync-version";

  /** Per-port handlers, e.g. {@code service.fly.io/443-handlers: "tls,http"} (FKS). */
  public static String handlers(int port) {
    return "service.fly.io/" + port + "-handlers";
  }

  /** Per-port force-https: {@code "true"}. */
  public static String forceHttps(int port) {
    return "service.fly.io/" + port + "-force-https";
  }

  /** Per-port TLS Secret name. */
  public static String tlsSecret(int port) {
    return "service.fly.io/" + port + "-tls-secret";
  }

  /** Whether an annotation is a {@link #tlsSecret(int)} one, of any port. */
  public static boolean isTlsSecret(String annotation) {
    return annotation.startsWith("service.fly.io/") && annotation.endsWith("-tls-secret");
  }

  /** Per-port ALPN list, e.g. {@code "h2,http/1.1"}. */
  public static String alpn(int port) {
    return "service.fly.io/" + port + "-alpn";
  }

  /** Per-port PROXY protocol version: {@code v1} or {@code v2}. */
  public static String proxyProtoVersion(int port) {
    return "service.fly.io/" + port + "-proxy-proto-version";
  }

  /** Per-port h2c to the backend: {@code "true"}. */
  public static String h2Backend(int port) {
    return "service.fly.io/" + port + "-h2-backend";
  }

  /** {@code connections} or {@code requests} (FKS). */
  public static final String CONCURRENCY_KIND = "service.fly.io/concurrency-kind";

  public static final String CONCURRENCY_SOFT = "service.fly.io/concurrency-limit-soft";
  public static final String CONCURRENCY_HARD = "service.fly.io/concurrency-limit-hard";

  /** {@code off}, {@code stop} or {@code suspend}. */
  public static final String AUTO_STOP = "fly.io/auto-stop";

  /** {@code "true"} or {@code "false"}. */
  public static final String AUTO_START = "fly.io/auto-start";

  public static final String MIN_MACHINES_RUNNING = "fly.io/min-machines-running";
  public static final String MAX_MACHINES_RUNNING = "fly.io/max-machines-running";

  /**
   * Per-client request rate limit of the route's HTTP ports: {@code
   * rate=10,burst=20,per=second,key=client-ip} ({@code per}: second or minute; {@code key}:
   * client-ip or header:&lt;name&gt;; only rate is required).
   */
  public static final String RATE_LIMIT = "fly.io/rate-limit";

  /**
   * HTTP response cache of the route's HTTP ports: {@code true} for the defaults, or {@code
   * max-size=64Mi,max-entry-size=1Mi} (either may be left out); {@code false} for none.
   */
  public static final String CACHE = "fly.io/cache";

  /** {@code "false"} makes the route public. */
  public static final String PRIVATE = "fly.io/private";

  /** Comma-separated extra hostnames. */
  public static final String HOSTNAMES = "fly.io/hostnames";

  /** Named private network. */
  public static final String NETWORK = "fly.io/network";

  /** Scale target as {@code Kind/name}, e.g. {@code Deployment/web}. */
  public static final String SCALE_TARGET = "fly.io/scale-target";

  /** {@code spec.loadBalancerClass} that makes Flycast fill {@code status.loadBalancer}. */
  public static final String LOAD_BALANCER_CLASS = "fly.io/flycast";

  /** EndpointSlice label naming its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
}
