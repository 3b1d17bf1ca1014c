package io.flycast.catalog;

/**
 * Autostop/autostart policy of a route.
 *
 * @param autostop whether idle backends are stopped
 * @param autostart whether a request for a route with no running backend starts one
 * @param minMachinesRunning never stop below this many backends
 * @param maxMachinesRunning never start beyond this many; 0 = the workload's replica count when
 *     autostop was enabled
 */
public record Autoscale(
    AutostopMode autostop, boolean autostart, int minMachinesRunning, int maxMachinesRunning) {
  public static final Autoscale DEFAULT = new Autoscale(AutostopMode.OFF, true, 0, 0);
}
