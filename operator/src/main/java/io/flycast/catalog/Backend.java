package io.flycast.catalog;

import java.net.InetAddress;

/**
 * One backend instance of a route (a Fly Machine; here a pod endpoint).
 *
 * <p>The conditions follow EndpointSlice semantics: {@code ready} backends get new work;
 * {@code serving} but terminating backends finish what they have (drain) and get new work only
 * when nothing is ready; the rest get nothing.
 *
 * @param name instance name (the pod name), used by {@code fly-replay: instance=}
 * @param address where to connect
 * @param zone topology zone, Fly's region
 * @param ready accepts new work
 * @param serving can serve (may be true while terminating)
 * @param terminating is shutting down
 */
public record Backend(
    String name, InetAddress address, String zone, boolean ready, boolean serving, boolean terminating) {

  /** Whether new work may be sent here. */
  public boolean acceptsNewWork() {
    return ready && !terminating;
  }
}
