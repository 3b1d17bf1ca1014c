package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;

/**
 * A per-client request rate limit on the route's HTTP ports: a token bucket of {@code burst}
 * requests refilled at {@code rate} per {@code per}. Values the proxy cannot use (a rate or burst
 * below 1, an unknown key) are not refused by the schema: they are reported in the status
 * (Valid=False) and the route serves without a limit meanwhile, as with annotations.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RateLimitSpec {
  /** The period of {@link #rate}. */
  public enum Per {
    @JsonProperty("second")
    SECOND,
    @JsonProperty("minute")
    MINUTE
  }

  @JsonPropertyDescription("Requests each client may make per `per`, on average (at least 1).")
  public Integer rate;

  @JsonPropertyDescription(
      "Requests a client may make at once before the rate applies (at least 1; default: rate).")
  public Integer burst;

  @Default("second")
  @JsonPropertyDescription("The period of rate: second or minute.")
  public Per per;

  @Size(max = Limits.DNS_NAME)
  @JsonPropertyDescription(
      "What a client is: client-ip (default), or header:<name> to key by a request header's"
          + " value (an API key, say).")
  public String key;
}
