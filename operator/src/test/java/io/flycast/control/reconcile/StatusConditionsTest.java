package io.flycast.control.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.api.Limits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Condition messages stay within the CRD's bound, so a status write is never refused for size. */
class StatusConditionsTest {
  @Test
  void aMessageOverTheBoundIsCutAndSaysSo() {
    String huge = "spec.ports[0]: bad; ".repeat(5_000);
    String message =
        StatusConditions.condition(List.of(), "Valid", false, "Invalid", huge).getMessage();
    assertThat(message)
        .hasSizeLessThanOrEqualTo(Limits.MESSAGE)
        .startsWith("spec.ports[0]: bad;")
        .contains("(cut: ");
  }

  @Test
  void aMessageWithinTheBoundIsKeptWhole() {
    assertThat(
            StatusConditions.condition(List.of(), "Valid", true, "Valid", "all good").getMessage())
        .isEqualTo("all good");
  }
}
