package io.flycast.peers;

import java.util.List;
import java.util.Map;

/**
 * What one replica tells the leader of its load: the numbers only.
 *
 * @param replica the reporting replica's identity
 * @param boot a random id of the reporting process: a replica that restarted under the same
 *     identity (a pod restart keeps its name) starts a new history, and the leader must see that
 * @param backends every backend its proxy tracks: in-flight work and idle time
 * @param held requests held for autostart now, by route ({@code namespace/name})
 * @param starts the last cold start this replica made, by route
 * @param cordons the cordon set it applied ({@link CordonSet#id()}), or null
 */
public record LoadReport(
    String replica,
    String boot,
    List<Backend> backends,
    Map<String, Integer> held,
    List<Start> starts,
    String cordons) {

  /**
   * @param route {@code namespace/name}
   * @param idleMillis milliseconds since its last finished work (the reporter's clock, so no clock
   *     skew between replicas matters); -1 when it never had any
   */
  public record Backend(String route, String backend, int inFlight, long idleMillis) {}

  /** A cold start, as it appears in {@code status.lastAutostart}. */
  public record Start(String route, String time, int replicas, String reason) {}
}
