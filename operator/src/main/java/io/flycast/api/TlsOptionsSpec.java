package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** TLS settings of a port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsOptionsSpec {
  @Required
  @Size(max = Limits.OBJECT_NAME)
  @JsonPropertyDescription(
      "A kubernetes.io/tls Secret in the same namespace holding the certificate and key.")
  public String secretName;

  @Size(max = Limits.ALPN)
  @JsonPropertyDescription(
      "ALPN protocols offered, in order of preference (e.g. h2, http/1.1); at most 8, each up to"
          + " 255 characters (RFC 7301).")
  public List<@Size(max = Limits.ALPN_ID) String> alpn;

  @Size(max = Limits.TLS_VERSIONS)
  @JsonPropertyDescription("Allowed TLS versions: TLSv1.2, TLSv1.3. Empty = both.")
  public List<TlsVersion> versions;
}
