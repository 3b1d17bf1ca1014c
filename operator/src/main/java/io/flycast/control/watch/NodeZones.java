package io.flycast.control.watch;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The zone of each node, as the EndpointSlices say it: each endpoint names its pod's node and that
 * node's zone. A pod that passed its own probe early, before any slice lists it, is routed in its
 * node's zone from here, not in the default one. Flycast is not granted Nodes and needs none: a
 * node that runs a backend shows in some slice, and a node this has not seen gives the default
 * zone, as before. Bounded by the cluster's nodes.
 */
final class NodeZones {
  private final Map<String, String> byNode = new ConcurrentHashMap<>();

  /** Learns the node and zone of every endpoint of {@code slice} that names both. */
  void learn(EndpointSlice slice) {
    if (slice.getEndpoints() == null) {
      return;
    }
    for (Endpoint e : slice.getEndpoints()) {
      if (e != null && e.getNodeName() != null && e.getZone() != null && !e.getZone().isBlank()) {
        byNode.put(e.getNodeName(), e.getZone());
      }
    }
  }

  /** The zone of {@code node}; null when no slice has named it (or {@code node} is null). */
  String of(String node) {
    return node == null ? null : byNode.get(node);
  }
}
