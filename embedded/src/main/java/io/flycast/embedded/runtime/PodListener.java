package io.flycast.embedded.runtime;

/**
 * What the {@link PodSupervisor} tells the controllers about its pods, as they would learn it from
 * watching Pods: always on the runtime thread, after the Pod's status was written.
 */
interface PodListener {
  /** The pod was created and its process started (or failed to, and will be retried). */
  default void started(LocalPod pod) {}

  /** The pod's first successful readiness probe since its process (re)started. */
  default void ready(LocalPod pod) {}

  /** Its readiness probe failed after it was ready; it still runs. */
  default void unready(LocalPod pod) {}

  /** The process exited on its own; it is restarted after a backoff. */
  default void crashed(LocalPod pod) {}

  /** The pod is being stopped: no longer ready, still serving until its process ends. */
  default void terminating(LocalPod pod) {}

  /** The pod's process ended, its Pod was deleted and its address released. */
  default void gone(LocalPod pod) {}

  /** Someone deleted the pod's Pod through the API; the pod is terminating. */
  default void deletedThroughApi(LocalPod pod) {}
}
