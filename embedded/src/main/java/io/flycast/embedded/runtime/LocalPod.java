package io.flycast.embedded.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * One pod of the local node: what the workload controller made it from, its address, what it runs
 * and how it is doing. The final fields never change; the others are written on the runtime thread
 * only, the volatile ones read from others too (the readiness probe, queries).
 */
final class LocalPod {
  // What the workload controller made it from.
  final WorkloadKey owner;

  /** The StatefulSet ordinal; -1 for a Deployment's pod. */
  final int ordinal;

  final String templateHash;

  /** Creation order on this node: scale-down removes the newest first. */
  final long seq;

  // Its Pod's identity, as the EndpointSlice controller reads it.
  final String namespace;
  final String name;
  final Map<String, String> labels;
  final String zone;

  // Its address on the pod network.
  final int octet;
  final String ip;
  final int port;
  final NamedPorts namedPorts;

  // What the kubelet runs, and how it tells it is ready (null: no readiness probe).
  final ContainerCommand container;
  final ReadinessSpec readiness;
  final long graceSeconds;

  volatile Process process;
  volatile boolean ready;
  volatile boolean terminating;
  int restarts;
  String uid;
  Instant startedAt = Instant.now();

  LocalPod(
      WorkloadKey owner,
      int ordinal,
      String templateHash,
      long seq,
      String name,
      Map<String, String> labels,
      String zone,
      int octet,
      int port,
      NamedPorts namedPorts,
      ContainerCommand container,
      ReadinessSpec readiness,
      long graceSeconds) {
    this.owner = owner;
    this.ordinal = ordinal;
    this.templateHash = templateHash;
    this.seq = seq;
    this.namespace = owner.namespace();
    this.name = name;
    this.labels = labels;
    this.zone = zone;
    this.octet = octet;
    this.ip = LoopbackAddresses.address(octet);
    this.port = port;
    this.namedPorts = namedPorts;
    this.container = container;
    this.readiness = readiness;
    this.graceSeconds = graceSeconds;
  }

  /** "namespace/name", as informer stores key objects. */
  String key() {
    return key(namespace, name);
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
