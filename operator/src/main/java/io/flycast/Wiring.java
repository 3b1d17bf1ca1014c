package io.flycast;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.catalog.CatalogStore;
import io.flycast.control.leader.LeaderState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Deque;
import java.util.concurrent.ThreadFactory;

/**
 * What every part of one Flycast process is built from, and where it registers to be closed: {@link
 * Flycast} closes in reverse order of registration, so a part is closed before what it was built
 * on.
 */
record Wiring(
    FlycastConfig config,
    KubernetesClient client,
    CatalogStore store,
    PrometheusRegistry registry,
    LeaderState leader,
    Deque<AutoCloseable> closeables) {

  /** Registers {@code part} to be closed at shutdown; returns it. */
  <T extends AutoCloseable> T own(T part) {
    closeables.push(part);
    return part;
  }

  /**
   * Whether any proxy listener is configured: a replica without one only runs the control plane.
   */
  boolean proxies() {
    return config.httpListen() != null
        || config.tlsListen() != null
        || config.dedicatedListen() != null;
  }

  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
