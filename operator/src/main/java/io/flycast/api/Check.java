package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/**
 * A health check run against each backend (fly.toml {@code [[services.tcp_checks]]} / http_checks).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Check {
  /** Check kind. */
  public enum Kind {
    @JsonProperty("tcp")
    TCP,
    @JsonProperty("http")
    HTTP
  }

  private static final String DURATION = "^[0-9]+(ms|s|m)$";

  @Required public Kind type;

  @Default("15s")
  @Pattern(DURATION)
  @Size(max = Limits.DURATION)
  public String interval;

  @Default("2s")
  @Pattern(DURATION)
  @Size(max = Limits.DURATION)
  public String timeout;

  @Default("1s")
  @Pattern(DURATION)
  @Size(max = Limits.DURATION)
  public String gracePeriod;

  @Default("GET")
  @Size(max = Limits.HTTP_METHOD)
  public String method;

  /** Up to 8000 characters (RFC 9110's recommended minimum URI support). */
  @Pattern("^/.*")
  @Size(max = Limits.URL_PATH)
  public String path;

  /** Request headers of an http check: at most 64, values up to 8 KiB. */
  @Size(max = Limits.HEADERS)
  public Map<String, @Size(max = Limits.HEADER_VALUE) String> headers;
}
