package io.flycast.autoscale;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteSpec;
import java.util.function.IntUnaryOperator;

/**
 * Scales the workload behind a route. Implementations may block; callers keep them off event loops.
 */
public interface BackendScaler {
  /** The workload's desired replica count. */
  int replicas(RouteSpec route) throws ScaleException;

  /**
   * Why the route has no workload to start, in words that say what to fix; null when it has one.
   * Asked for a route with no backend running, whose status would otherwise promise that the next
   * request starts one.
   */
  default String whyNoWorkload(RouteSpec route) {
    return null;
  }

  /** Sets the workload's desired replica count. */
  default void scaleTo(RouteSpec route, int replicas) throws ScaleException {
    scale(route, current -> replicas);
  }

  /** What a {@link #scale} did: the replica count it read, and the one it set (equal: no write). */
  record Scaled(int from, int to) {
    public boolean changed() {
      return from != to;
    }
  }

  /**
   * Reads the desired replica count, decides the new one from it with {@code decide}, and writes it
   * unless it is the same. Scaling is a read then a write: when the write conflicts with another
   * change of the workload in between (409), it reads again and decides again, a few times with a
   * backoff, so that no decision is written over a count it did not see.
   */
  Scaled scale(RouteSpec route, IntUnaryOperator decide) throws ScaleException;

  /**
   * Marks a backend as the one to remove on the next scale-down (Kubernetes removes the pod with
   * the lowest {@code controller.kubernetes.io/pod-deletion-cost}), so the idle backend goes, not a
   * busy one.
   */
  void markForRemoval(RouteSpec route, Backend backend) throws ScaleException;

  /**
   * Whether scaling down removes the pod with the highest ordinal, whatever the marks: a
   * StatefulSet's does. Autostop then drains exactly that pod, not the idlest.
   */
  default boolean removesHighestOrdinal(RouteSpec route) throws ScaleException {
    return false;
  }

  /** Takes the mark of {@link #markForRemoval} off again: the stop it was for did not happen. */
  void unmarkForRemoval(RouteSpec route, Backend backend) throws ScaleException;

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
