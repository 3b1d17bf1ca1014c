package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

/** fly.toml {@code [services.concurrency]}. hardLimit below softLimit is reported in status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConcurrencySpec {
  /** What counts towards the limits. */
  public enum Kind {
    @JsonProperty("connections")
    CONNECTIONS,
    @JsonProperty("requests")
    REQUESTS
  }

  @Default("connections")
  public Kind type;

  @Default("20")
  @Min(1)
  public Integer softLimit;

  @Min(1)
  public Integer hardLimit;
}
