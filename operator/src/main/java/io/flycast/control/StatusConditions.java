package io.flycast.control;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Status conditions kept the Kubernetes way (metav1.Condition): a transition time per flip. */
final class StatusConditions {
  private StatusConditions() {}

  /**
   * A condition; its lastTransitionTime is the one in {@code old} when this type had the same
   * status there, now otherwise.
   */
  static Condition condition(List<Condition> old, String type, boolean status, String reason, String message) {
    String s = status ? "True" : "False";
    String since = old == null ? null : old.stream()
        .filter(c -> type.equals(c.getType()) && s.equals(c.getStatus()))
        .map(Condition::getLastTransitionTime).filter(Objects::nonNull).findFirst().orElse(null);
    return new ConditionBuilder().withType(type).withStatus(s).withReason(reason).withMessage(message)
        .withLastTransitionTime(since != null ? since : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
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
    List<Condition> have = current == null ? List.of()
        : current.stream().filter(c -> owned.contains(c.getType())).collect(Collectors.toList());
    return have.equals(ours);
  }
}
