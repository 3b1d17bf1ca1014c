package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** HTTP settings of a port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HttpOptionsSpec {
  @JsonPropertyDescription("Speak h2c (HTTP/2 cleartext) to the backend.")
  public Boolean h2Backend;

  @Min(1)
  @JsonPropertyDescription("Seconds before an idle client connection is closed (default 60).")
  public Integer idleTimeout;

  @Size(max = Limits.HEADERS)
  @JsonPropertyDescription("Headers added to every response (at most 64, values up to 8 KiB).")
  public Map<String, @Size(max = Limits.HEADER_VALUE) String> responseHeaders;
}
