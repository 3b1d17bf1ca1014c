package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Status conditions kept the Kubernetes way (metav1.Condition): a transition time per flip. */
final class StatusConditions {
  private StatusConditions() {}

  /**
   * A condition; its lastTransitionTime is the one in {@code old} when this type had the same
   * status there, now otherwise.
   */
  static Condition condition(
      List<Condition> old, String type, boolean status, String reason, String message) {
    String s = status ? "True" : "False";
    String since = find(old, type, s).map(Condition::getLastTransitionTime).orElse(null);
    return new ConditionBuilder()
        .withType(type)
        .withStatus(s)
        .withReason(reason)
        .withMessage(bounded(message))
        .withLastTransitionTime(
            since != null ? since : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }

  /**
   * {@code message} cut to the CRD's bound on condition messages: a longer one (every problem of a
   * very broken spec, joined) would make the API server refuse the whole status write, and the user
   * would see nothing at all.
   */
  static String bounded(String message) {
    int max = io.flycast.api.Limits.MESSAGE;
    if (message == null || message.length() <= max) {
      return message;
    }
    String more = " ... (cut: " + (message.length() - max) + " more characters)";
    return message.substring(0, max - more.length()) + more;
  }

  /**
   * A False condition that keeps the message it had while its reason stays the same: for failures
   * whose message differs from one attempt to the next, so a retry does not rewrite the status.
   */
  static Condition persistingFailure(
      List<Condition> old, String type, String reason, String message) {
    String kept =
        find(old, type, "False")
            .filter(c -> reason.equals(c.getReason()))
            .map(Condition::getMessage)
            .orElse(null);
    return condition(old, type, false, reason, kept != null ? kept : message);
  }

  private static Optional<Condition> find(List<Condition> old, String type, String status) {
    return old == null
        ? Optional.empty()
        : old.stream()
            .filter(c -> c != null && type.equals(c.getType()) && status.equals(c.getStatus()))
            .findFirst();
  }

  /**
   * {@code current} with every condition of the {@code owned} types replaced by {@code ours}: the
   * conditions other controllers keep on the same object stay as they are, in place.
   */
  static List<Condition> merged(List<Condition> current, Set<String> owned, List<Condition> ours) {
    List<Condition> out = new ArrayList<>();
    if (current != null) {
      current.stream().filter(c -> !owned.contains(c.getType())).forEach(out::add);
    }
    out.addAll(ours);
    return out;
  }

  /** Whether {@code current} already says what {@code ours} says, for the {@code owned} types. */
  static boolean agree(List<Condition> current, Set<String> owned, List<Condition> ours) {
    List<Condition> have =
        current == null
            ? List.of()
            : current.stream()
                .filter(c -> owned.contains(c.getType()))
                .collect(Collectors.toList());
    return have.equals(ours);
  }
}
