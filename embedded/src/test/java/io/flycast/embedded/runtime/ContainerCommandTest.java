package io.flycast.embedded.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerCommandTest {
  @Test
  void expandsVariablesLikeKubernetes() {
    var env = Map.of("POD_IP", "127.0.0.9", "PORT", "9000");
    assertThat(ContainerCommand.expand("--bind $(POD_IP):$(PORT) $(MISSING) $$(POD_IP) $HOME", env))
        .isEqualTo("--bind 127.0.0.9:9000 $(MISSING) $(POD_IP) $HOME");
    assertThat(ContainerCommand.parseDelay("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(ContainerCommand.parseDelay("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(ContainerCommand.parseDelay("soon")).isEqualTo(Duration.ZERO);
  }
}
