package io.flycast.catalog;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * Everything routing-relevant about one exposed service, as a value. Two specs that are equal route
 * identically, which is how the catalog tells whether a route changed (and so whether its {@code
 * service.fly.io/sync-version} moves).
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
    RateLimit rateLimit) {
  public RouteSpec {
    hostnames = List.copyOf(hostnames);
    ports = List.copyOf(ports);
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /** A spec without a rate limit. */
  public RouteSpec(
      RouteKey key,
      InetAddress address,
      List<String> hostnames,
      List<PortSpec> ports,
      Concurrency concurrency,
      Autoscale autoscale,
      boolean isPrivate,
      String network,
      ScaleTarget scaleTarget,
      List<HealthCheck> checks) {
    this(
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
        null);
  }

  /** A spec without health checks (what Services, which have no way to declare checks, get). */
  public RouteSpec(
      RouteKey key,
      InetAddress address,
      List<String> hostnames,
      List<PortSpec> ports,
      Concurrency concurrency,
      Autoscale autoscale,
      boolean isPrivate,
      String network,
      ScaleTarget scaleTarget) {
    this(
        key,
        address,
        hostnames,
        ports,
        concurrency,
        autoscale,
        isPrivate,
        network,
        scaleTarget,
        List.of(),
        null);
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
}
