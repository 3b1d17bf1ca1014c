package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** One port of an {@link ExposedService} (fly.toml {@code [[services.ports]]}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.forceHttps) || !self.forceHttps || self.handlers.exists(h, h == 'http')",
    message = "forceHttps requires the http handler on the same port")
@ValidationRule(
    value = "!has(self.tlsOptions) || self.handlers.exists(h, h == 'tls' || h == 'pg_tls')",
    message = "tlsOptions requires the tls or pg_tls handler on the same port")
public class ServicePort {
  @Required
  @Min(1)
  @Max(65535)
  public Integer port;

  // The rules above iterate this list, once per port: Limits.PORTS x Limits.HANDLERS keeps
  // their estimated cost small (an unbounded list makes the API server refuse the CRD).
  @Default("[]")
  @Size(max = Limits.HANDLERS)
  @JsonPropertyDescription(
      "Connection handlers: tls, http, proxy_proto, pg_tls (at most 8). Empty = raw TCP.")
  public List<HandlerName> handlers = new ArrayList<>();

  @JsonPropertyDescription("Redirect plain-HTTP requests to https (requires the http handler).")
  public Boolean forceHttps;

  public TlsOptionsSpec tlsOptions;

  public ProxyProtoOptions proxyProtoOptions;

  public HttpOptionsSpec httpOptions;
}
