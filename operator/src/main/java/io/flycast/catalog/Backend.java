package io.flycast.catalog;

import java.net.InetAddress;
import java.util.Map;

/**
 * One backend instance of a route (a Fly Machine; here a pod endpoint).
 *
 * <p>The conditions follow EndpointSlice semantics: {@code ready} backends get new work; {@code
 * serving} but terminating backends finish what they have (drain) and get new work only when
 * nothing is ready; the rest get nothing.
 *
 * @param name instance name (the pod name), used by {@code fly-replay: instance=}
 * @param address where to connect
 * @param zone topology zone, Fly's region
 * @param ready accepts new work
 * @param serving can serve (may be true while terminating)
 * @param terminating is shutting down
 * @param ports the port numbers this backend serves, by Service port name, as its EndpointSlice
 *     gives them ({@code ports[].name} to {@code ports[].port}): a named {@code targetPort} is
 *     resolved per pod, so this is where its number comes from (see {@link
 *     PortSpec#targetPort(Backend)}); empty when the slice lists no ports
 */
public record Backend(
    String name,
    InetAddress address,
    String zone,
    boolean ready,
    boolean serving,
    boolean terminating,
    Map<String, Integer> ports) {
  public Backend {
    ports = ports == null ? Map.of() : Map.copyOf(ports);
  }

  /** A backend whose EndpointSlice lists no ports: it serves numeric target ports only. */
  public Backend(
      String name,
      InetAddress address,
      String zone,
      boolean ready,
      boolean serving,
      boolean terminating) {
    this(name, address, zone, ready, serving, terminating, Map.of());
  }

  /** The same backend in {@code zone} (this one when {@code zone} is null). */
  public Backend inZone(String zone) {
    return zone == null
        ? this
        : new Backend(name, address, zone, ready, serving, terminating, ports);
  }

  /** Whether new work may be sent here. */
  public boolean acceptsNewWork() {
    return ready && !terminating;
  }
}
