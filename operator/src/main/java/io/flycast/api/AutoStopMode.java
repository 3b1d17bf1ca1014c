package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** fly.toml {@code auto_stop_machines}. */
public enum AutoStopMode {
  @JsonProperty("off")
  OFF,
  @JsonProperty("stop")
  STOP,
  @JsonProperty("suspend")
  SUSPEND
}
