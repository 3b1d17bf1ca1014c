package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * fly.toml {@code [services.concurrency]}. hardLimit below softLimit is refused by the API server
 * (the CEL rule below) and, on a cluster without CEL, reported in status by the translator.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.hardLimit) || !has(self.softLimit) || self.hardLimit >= self.softLimit",
    message = "hardLimit must be greater than or equal to softLimit")
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
