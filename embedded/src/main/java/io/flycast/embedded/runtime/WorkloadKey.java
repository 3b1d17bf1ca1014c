package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** A Deployment or StatefulSet, by kind, namespace and name: the owner of the pods it asks for. */
record WorkloadKey(Kind kind, String namespace, String name) {
  enum Kind {
    DEPLOYMENT,
    STATEFULSET
  }

  static WorkloadKey of(Kind kind, HasMetadata workload) {
    return new WorkloadKey(
        kind, workload.getMetadata().getNamespace(), workload.getMetadata().getName());
  }

  /** The key of the workload in an informer's store. */
  String storeKey() {
    return namespace + "/" + name;
  }
}
