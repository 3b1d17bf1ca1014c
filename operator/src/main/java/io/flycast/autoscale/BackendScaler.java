package io.flycast.autoscale;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteSpec;

/** Scales the workload behind a route. Implementations may block; callers keep them off event loops. */
public interface BackendScaler {
  /** The workload's desired replica count. */
  int replicas(RouteSpec route) throws ScaleException;

  /** Sets the workload's desired replica count. */
  void scaleTo(RouteSpec route, int replicas) throws ScaleException;

  /**
   * Marks a backend as the one to remove on the next scale-down (Kubernetes removes the pod with
   * the lowest {@code controller.kubernetes.io/pod-deletion-cost}), so the idle backend goes, not
   * a busy one.
   */
  void markForRemoval(RouteSpec route, Backend backend) throws ScaleException;

  /** Why scaling failed, in words a person can act on. */
  final class ScaleException extends Exception {
    public ScaleException(String message) {
      super(message);
    }

    public ScaleException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
