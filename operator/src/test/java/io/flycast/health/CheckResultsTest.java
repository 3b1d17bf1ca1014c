package io.flycast.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckResultsTest {
  @Test
  void healthyUntilTheFirstFailureThenHealthyAgainOnThePass() {
    CheckResults r = new CheckResults();
    assertThat(r.healthy()).as("unknown counts as healthy").isTrue();
    assertThat(r.record(0, true)).isFalse();
    assertThat(r.record(0, false)).as("one failure flips it").isTrue();
    assertThat(r.healthy()).isFalse();
    assertThat(r.record(0, false)).isFalse();
    assertThat(r.record(0, true)).as("one pass flips it back").isTrue();
    assertThat(r.healthy()).isTrue();
  }

  @Test
  void everyCheckMustPass() {
    CheckResults r = new CheckResults();
    r.record(0, false);
    r.record(1, true);
    assertThat(r.healthy()).isFalse();
    r.record(1, false);
    r.record(0, true);
    assertThat(r.healthy()).as("check 1 still fails").isFalse();
    r.record(1, true);
    assertThat(r.healthy()).isTrue();
  }
}
