package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** TLS settings of a port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsOptionsSpec {
  @Required
  @JsonPropertyDescription("A kubernetes.io/tls Secret in the same namespace holding the certificate and key.")
  public String secretName;

  @JsonPropertyDescription("ALPN protocols offered, in order of preference (e.g. h2, http/1.1).")
  public List<String> alpn;

  @JsonPropertyDescription("Allowed TLS versions: TLSv1.2, TLSv1.3. Empty = both.")
  public List<TlsVersion> versions;
}
