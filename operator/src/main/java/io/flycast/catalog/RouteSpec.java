package io.flycast.catalog;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * Everything routing-relevant about one exposed service, as a value. Two specs that are equal route
 * identically, which is how the catalog tells whether a route changed (and so whether its {@code
 * service.fly.io/sync-version} moves).
 *
 * <p>Made with {@link #builder}, which fills in what most routes leave at its default.
 *
 * @param key namespace and name
 * @param address the Flycast address
 * @param hostnames extra hostnames for the shared listeners (besides {@code name.ns.flycast})
 * @param ports service ports
 * @param concurrency per-backend load limits
 * @param autoscale autostop/autostart policy
 * @param isPrivate reachable only from the route's network (Flycast) rather than from anyone
 * @param network the private network the route belongs to
 * @param scaleTarget the workload autostop/autostart scales, {@code null} to infer from pods
 * @param checks health checks run against every backend; empty = every backend is healthy
 * @param rateLimit the HTTP request rate limit per client, or {@code null} for none
 * @param cache the HTTP response cache of the route, or {@code null} for none
 */
public record RouteSpec(
    RouteKey key,
    InetAddress address,
    List<String> hostnames,
    List<PortSpec> ports,
    Concurrency concurrency,
    Autoscale autoscale,
    boolean isPrivate,
    String network,
    ScaleTarget scaleTarget,
    List<HealthCheck> checks,
    RateLimit rateLimit,
    CacheSettings cache) {
  public RouteSpec {
    hostnames = List.copyOf(hostnames);
    ports = List.copyOf(ports);
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /**
   * A builder for the route {@code key} at {@code address}: no extra hostnames, ports or checks,
   * default concurrency and autoscale, public, on the namespace's network, no scale target, rate
   * limit or cache until set.
   */
  public static Builder builder(RouteKey key, InetAddress address) {
    return new Builder(key, address);
  }

  /** A builder starting from this spec, to change a few of its fields. */
  public Builder toBuilder() {
    return new Builder(key, address)
        .hostnames(hostnames)
        .ports(ports)
        .concurrency(concurrency)
        .autoscale(autoscale)
        .isPrivate(isPrivate)
        .network(network)
        .scaleTarget(scaleTarget)
        .checks(checks)
        .rateLimit(rateLimit)
        .cache(cache);
  }

  /** Every hostname the shared listeners route here: the flycast name, then {@link #hostnames}. */
  public Set<String> allHostnames() {
    var all = new java.util.LinkedHashSet<String>();
    all.add(key.flycastHostname());
    all.addAll(hostnames);
    return all;
  }

  /** The port spec for a client port, or {@code null}. */
  public PortSpec port(int port) {
    for (PortSpec p : ports) {
      if (p.port() == port) {
        return p;
      }
    }
    return null;
  }

  /** Builds a {@link RouteSpec}; see {@link RouteSpec#builder} for the defaults. */
  public static final class Builder {
    private final RouteKey key;
    private final InetAddress address;
    private List<String> hostnames = List.of();
    private List<PortSpec> ports = List.of();
    private Concurrency concurrency = Concurrency.DEFAULT;
    private Autoscale autoscale = Autoscale.DEFAULT;
    private boolean isPrivate;
    private String network;
    private ScaleTarget scaleTarget;
    private List<HealthCheck> checks = List.of();
    private RateLimit rateLimit;
    private CacheSettings cache;

    private Builder(RouteKey key, InetAddress address) {
      this.key = key;
      this.address = address;
      this.network = key.namespace();
    }

    public Builder hostnames(List<String> v) {
      hostnames = v;
      return this;
    }

    public Builder ports(List<PortSpec> v) {
      ports = v;
      return this;
    }

    public Builder concurrency(Concurrency v) {
      concurrency = v;
      return this;
    }

    public Builder autoscale(Autoscale v) {
      autoscale = v;
      return this;
    }

    public Builder isPrivate(boolean v) {
      isPrivate = v;
      return this;
    }

    public Builder network(String v) {
      network = v;
      return this;
    }

    public Builder scaleTarget(ScaleTarget v) {
      scaleTarget = v;
      return this;
    }

    public Builder checks(List<HealthCheck> v) {
      checks = v;
      return this;
    }

    public Builder rateLimit(RateLimit v) {
      rateLimit = v;
      return this;
    }

    public Builder cache(CacheSettings v) {
      cache = v;
      return this;
    }

    public RouteSpec build() {
      return new RouteSpec(
          key,
          address,
          hostnames,
          ports,
          concurrency,
          autoscale,
          isPrivate,
          network,
          scaleTarget,
          checks,
          rateLimit,
          cache);
    }
  }
}
