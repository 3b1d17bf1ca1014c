package io.flycast.embedded.table;

import static io.flycast.embedded.table.Printer.Column.AGE;
import static io.flycast.embedded.table.Printer.Column.NAME;

import com.fasterxml.jackson.databind.JsonNode;
import io.flycast.embedded.table.Printer.Column;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The API server's tables for pods and the workloads that run them, as Kubernetes' {@code
 * pkg/printers/internalversion/printers.go} writes them: the same columns, wide ones and cells.
 */
final class WorkloadColumns {
  private WorkloadColumns() {}

  private static final Column CONTAINERS =
      Column.wide("Containers", "Names of each container in the template.");
  private static final Column IMAGES =
      Column.wide("Images", "Images referenced by each container in the template.");
  private static final Column SELECTOR =
      Column.wide("Selector", "A label query over pods that should match the replica count.");

  static final Map<String, Printer> BY_RESOURCE =
      Map.of(
          "pods",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "Ready",
                      "string",
                      "The aggregate readiness state of this pod for accepting traffic."),
                  Column.of(
                      "Status", "string", "The aggregate status of the containers in this pod."),
                  Column.of(
                      "Restarts",
                      "string",
                      "The number of times the containers in this pod have been restarted and when"
                          + " the last container in this pod has restarted."),
                  AGE,
                  Column.wide("IP", "podIP address allocated to the pod."),
                  Column.wide("Node", "NodeName indicates in which node this pod is scheduled."),
                  Column.wide(
                      "Nominated Node",
                      "nominatedNodeName is set only when this pod preempts other pods on the"
                          + " node."),
                  Column.wide(
                      "Readiness Gates",
                      "If specified, all readiness gates will be evaluated for pod readiness.")),
              WorkloadColumns::pod),
          "deployments",
          new Printer(
              List.of(
                  NAME,
                  Column.of("Ready", "string", "Number of the pod with ready state"),
                  Column.of(
                      "Up-to-date",
                      "integer",
                      "Total number of non-terminated pods targeted by this deployment that have"
                          + " the desired template spec."),
                  Column.of(
                      "Available",
                      "integer",
                      "Total number of available pods (ready for at least minReadySeconds) targeted"
                          + " by this deployment."),
                  AGE,
                  CONTAINERS,
                  IMAGES,
                  SELECTOR),
              (o, now) ->
                  withTemplate(
                      o,
                      now,
                      o.path("status").path("readyReplicas").asLong()
                          + "/"
                          + o.path("spec").path("replicas").asLong(1),
                      o.path("status").path("updatedReplicas").asLong(),
                      o.path("status").path("availableReplicas").asLong())),
          "replicasets",
          replicas(),
          "replicationcontrollers",
          replicas(),
          "statefulsets",
          new Printer(
              List.of(
                  NAME,
                  Column.of("Ready", "string", "Number of the pod with ready state"),
                  AGE,
                  CONTAINERS,
                  IMAGES),
              (o, now) -> {
                List<Object> cells =
                    withTemplate(
                        o,
                        now,
                        o.path("status").path("readyReplicas").asLong()
                            + "/"
                            + o.path("spec").path("replicas").asLong(1));
                return cells.subList(0, cells.size() - 1);
              }),
          "daemonsets",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "Desired",
                      "integer",
                      "The total number of nodes that should be running the daemon pod."),
                  Column.of(
                      "Current", "integer", "The number of nodes running at least one daemon pod."),
                  Column.of("Ready", "integer", "The number of nodes with a daemon pod ready."),
                  Column.of(
                      "Up-to-date",
                      "integer",
                      "The number of nodes running the updated daemon pod."),
                  Column.of(
                      "Available", "integer", "The number of nodes with a daemon pod available."),
                  Column.of(
                      "Node Selector",
                      "string",
                      "NodeSelector is a selector which must be true for the pod to fit on a"
                          + " node."),
                  AGE,
                  CONTAINERS,
                  IMAGES,
                  SELECTOR),
              (o, now) -> {
                JsonNode s = o.path("status");
                List<Object> cells = new ArrayList<>();
                cells.add(o.path("metadata").path("name").asText());
                for (String f :
                    List.of(
                        "desiredNumberScheduled",
                        "currentNumberScheduled",
                        "numberReady",
                        "updatedNumberScheduled",
                        "numberAvailable")) {
                  cells.add(s.path(f).asLong());
                }
                cells.add(
                    Cells.labels(
                        o.path("spec").path("template").path("spec").path("nodeSelector")));
                cells.add(Cells.age(o.path("metadata").get("creationTimestamp"), now));
                cells.addAll(Cells.containers(o.path("spec").path("template").path("spec")));
                cells.add(Cells.selector(o.path("spec").path("selector")));
                return cells;
              }));

  /** ReplicaSets and ReplicationControllers: DESIRED CURRENT READY AGE. */
  private static Printer replicas() {
    return new Printer(
        List.of(
            NAME,
            Column.of("Desired", "integer", "Replicas is the number of desired replicas."),
            Column.of(
                "Current", "integer", "Replicas is the most recently observed number of replicas."),
            Column.of("Ready", "integer", "The number of ready replicas for this replica set."),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR),
        (o, now) ->
            withTemplate(
                o,
                now,
                o.path("spec").path("replicas").asLong(1),
                o.path("status").path("replicas").asLong(),
                o.path("status").path("readyReplicas").asLong()));
  }

  /** NAME, the given cells, AGE, then the wide CONTAINERS IMAGES SELECTOR of the pod template. */
  private static List<Object> withTemplate(JsonNode o, Instant now, Object... middle) {
    List<Object> cells = new ArrayList<>();
    cells.add(o.path("metadata").path("name").asText());
    cells.addAll(List.of(middle));
    cells.add(Cells.age(o.path("metadata").get("creationTimestamp"), now));
    cells.addAll(Cells.containers(o.path("spec").path("template").path("spec")));
    JsonNode selector = o.path("spec").path("selector");
    // A ReplicationController's selector is a plain label map; the apps kinds' a LabelSelector.
    cells.add(
        selector.has("matchLabels") || selector.has("matchExpressions") || selector.isEmpty()
            ? Cells.selector(selector)
            : Cells.labels(selector));
    return cells;
  }

  /** printPod: READY ready/total, STATUS the phase or the reason a container gives, RESTARTS. */
  private static List<Object> pod(JsonNode pod, Instant now) {
    JsonNode spec = pod.path("spec");
    JsonNode status = pod.path("status");
    int total = spec.path("containers").size();
    int ready = 0;
    long restarts = 0;
    String lastRestart = null;
    String reason = status.path("phase").asText("");
    if (!status.path("reason").asText().isEmpty()) {
      reason = status.path("reason").asText();
    }
    boolean hasRunning = false;
    JsonNode statuses = status.path("containerStatuses");
    for (int i = statuses.size() - 1; i >= 0; i--) {
      JsonNode c = statuses.get(i);
      restarts += c.path("restartCount").asLong();
      String finished = c.path("lastState").path("terminated").path("finishedAt").asText("");
      if (!finished.isEmpty() && (lastRestart == null || finished.compareTo(lastRestart) > 0)) {
        lastRestart = finished;
      }
      JsonNode state = c.path("state");
      if (!state.path("waiting").path("reason").asText().isEmpty()) {
        reason = state.path("waiting").path("reason").asText();
      } else if (!state.path("terminated").path("reason").asText().isEmpty()) {
        reason = state.path("terminated").path("reason").asText();
      } else if (state.has("terminated")) {
        JsonNode t = state.path("terminated");
        reason =
            t.path("signal").asInt() != 0
                ? "Signal:" + t.path("signal").asInt()
                : "ExitCode:" + t.path("exitCode").asInt();
      } else if (c.path("ready").asBoolean() && state.has("running")) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason.equals("Completed") && hasRunning) {
      reason = readyCondition(status) ? "Running" : "NotReady";
    }
    String phase = status.path("phase").asText();
    if (pod.path("metadata").has("deletionTimestamp")
        && !phase.equals("Succeeded")
        && !phase.equals("Failed")) {
      reason = "Terminating";
    }
    String restartCell =
        restarts != 0 && lastRestart != null
            ? restarts
                + " ("
                + Cells.age(com.fasterxml.jackson.databind.node.TextNode.valueOf(lastRestart), now)
                + " ago)"
            : Long.toString(restarts);
    List<Object> cells = new ArrayList<>();
    cells.add(pod.path("metadata").path("name").asText());
    cells.add(ready + "/" + total);
    cells.add(reason);
    cells.add(restartCell);
    cells.add(Cells.age(pod.path("metadata").get("creationTimestamp"), now));
    JsonNode ips = status.path("podIPs");
    cells.add(ips.size() > 0 ? Cells.orNone(ips.get(0).path("ip")) : "<none>");
    cells.add(Cells.orNone(spec.path("nodeName")));
    cells.add(Cells.orNone(status.path("nominatedNodeName")));
    cells.add(readinessGates(spec, status));
    return cells;
  }

  private static boolean readyCondition(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      if (c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True")) {
        return true;
      }
    }
    return false;
  }

  private static String readinessGates(JsonNode spec, JsonNode status) {
    JsonNode gates = spec.path("readinessGates");
    if (gates.isEmpty()) {
      return "<none>";
    }
    int satisfied = 0;
    for (JsonNode g : gates) {
      for (JsonNode c : status.path("conditions")) {
        if (c.path("type").asText().equals(g.path("conditionType").asText())) {
          satisfied += c.path("status").asText().equals("True") ? 1 : 0;
          break;
        }
      }
    }
    return satisfied + "/" + gates.size();
  }
}
