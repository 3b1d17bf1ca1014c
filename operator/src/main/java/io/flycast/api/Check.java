package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/** A health check run against each backend (fly.toml {@code [[services.tcp_checks]]} / http_checks). */
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
  public String interval;

  @Default("2s")
  @Pattern(DURATION)
  public String timeout;

  @Default("1s")
  @Pattern(DURATION)
  public String gracePeriod;

  @Default("GET")
  public String method;

  @Pattern("^/.*")
  public String path;

  public Map<String, String> headers;
}
