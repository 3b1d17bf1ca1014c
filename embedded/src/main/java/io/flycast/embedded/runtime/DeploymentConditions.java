package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code Available} and {@code Progressing} conditions the Deployment controller keeps, with
 * its reasons and messages, so that {@code kubectl wait --for=condition=Available} and whoever
 * reads them as in a cluster see the same. A condition's transition time moves only when its status
 * does.
 */
final class DeploymentConditions {
  private DeploymentConditions() {}

  /** Sets both conditions on {@code status} for {@code desired} replicas. */
  static void set(DeploymentStatus status, String name, int desired, int running, int ready) {
    boolean available = ready >= desired;
    boolean complete = available && running == desired;
    List<DeploymentCondition> conditions =
        status.getConditions() == null
            ? new ArrayList<>()
            : new ArrayList<>(status.getConditions());
    put(
        conditions,
        "Available",
        available,
        available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        available
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.");
    // Progressing stays True while a rollout moves; only a missed progress deadline makes it
    // False, and the local runtime has none.
    put(
        conditions,
        "Progressing",
        true,
        complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
        complete
            ? "ReplicaSet \"" + name + "\" has successfully progressed."
            : "ReplicaSet \"" + name + "\" is progressing.");
    status.setConditions(conditions);
  }

  private static void put(
      List<DeploymentCondition> conditions,
      String type,
      boolean status,
      String reason,
      String message) {
    String now = Instant.now().toString();
    String value = status ? "True" : "False";
    DeploymentCondition old =
        conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String transition =
        old != null && value.equals(old.getStatus()) && old.getLastTransitionTime() != null
            ? old.getLastTransitionTime()
            : now;
    DeploymentCondition c =
        new DeploymentConditionBuilder()
            .withType(type)
            .withStatus(value)
            .withReason(reason)
            .withMessage(message)
            .withLastUpdateTime(now)
            .withLastTransitionTime(transition)
            .build();
    conditions.removeIf(x -> type.equals(x.getType()));
    conditions.add(c);
  }
}
