/**
 * Autostop and autostart (Fly's {@code auto_stop_machines} / {@code auto_start_machines}).
 *
 * <p>{@link io.flycast.autoscale.AutostopPlanner} decides, from the proxy's load figures, which
 * backend to stop; {@link io.flycast.autoscale.Autostarter} starts a backend for a route with none
 * ready and tells waiting requests when one is ready, driven by catalog (watch) events, not
 * polling. Scaling itself goes through {@link io.flycast.autoscale.BackendScaler}; its Kubernetes
 * implementation uses the workload's {@code /scale} subresource.
 */
package io.flycast.autoscale;
