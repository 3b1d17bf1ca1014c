package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Desired state of an {@link ExposedService}; field names follow fly.toml in camelCase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.maxMachinesRunning) || self.maxMachinesRunning == 0 || self.maxMachinesRunning"
            + " >= self.minMachinesRunning",
    message = "maxMachinesRunning must be 0 (unset) or at least minMachinesRunning")
public class ExposedServiceSpec {
  @Required
  @Size(min = 1, max = Limits.SELECTOR_LABELS)
  @JsonPropertyDescription(
      "Labels of the backend pods, as in a Service's selector (at most 64; values up to 63"
          + " characters, the label-value limit).")
  public Map<String, @Size(max = Limits.DNS_LABEL) String> selector = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "The workload autostop/autostart scales (Deployment, StatefulSet or any resource with a"
          + " /scale subresource). Inferred from the pods' owners when absent.")
  public ScaleTargetRef scaleTargetRef;

  @Required
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("The port the backend pods listen on (fly.toml internal_port).")
  public Integer internalPort;

  @Required
  @Size(min = 1, max = Limits.PORTS)
  @JsonPropertyDescription(
      "Ports the Flycast address listens on, each with its connection handlers (at most 64).")
  public List<ServicePort> ports = new ArrayList<>();

  @JsonPropertyDescription("Per-backend load limits used for load balancing and autostart.")
  public ConcurrencySpec concurrency;

  @JsonPropertyDescription(
      "Per-client request rate limit on the HTTP ports (a token bucket; each proxy replica"
          + " enforces it on its own traffic).")
  public RateLimitSpec rateLimit;

  @JsonPropertyDescription(
      "HTTP response cache of the route (RFC 9111; opt-in; each proxy replica caches on its"
          + " own).")
  public CacheSpec cache;

  @Default("off")
  @JsonPropertyDescription(
      "Stop idle backends: off, stop, or suspend (Kubernetes has no suspend; it stops).")
  public AutoStopMode autoStopMachines;

  @Default("true")
  @JsonPropertyDescription("Start a backend when a request arrives and none is running.")
  public Boolean autoStartMachines;

  @Default("0")
  @Min(0)
  @JsonPropertyDescription("Autostop never goes below this many running backends.")
  public Integer minMachinesRunning;

  @Min(0)
  @JsonPropertyDescription(
      "Autostart never goes above this many; 0 or absent = the workload's replica count when"
          + " autostop was enabled.")
  public Integer maxMachinesRunning;

  @Default("true")
  @JsonProperty("private")
  @JsonPropertyDescription(
      "Flycast-only: reachable only from the route's private network. false = public.")
  public Boolean isPrivate;

  @Size(max = Limits.HOSTNAMES)
  @JsonPropertyDescription(
      "Extra hostnames routed on the shared HTTP/TLS listeners (besides"
          + " <name>.<namespace>.flycast); at most 100 (as many as a Let's Encrypt certificate"
          + " holds), each a DNS name of up to 253 characters.")
  public List<
          @Size(max = Limits.DNS_NAME)
          @Pattern("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
          String>
      hostnames;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = Limits.DNS_LABEL)
  @JsonPropertyDescription(
      "Named private network to join (a DNS label, up to 63 characters); default: the namespace's"
          + " own network.")
  public String network;

  @Size(max = Limits.IP_ADDRESS)
  @JsonPropertyDescription(
      "Request a specific Flycast address; honoured when free and inside the prefix.")
  public String address;

  @Size(max = Limits.CHECKS)
  @JsonPropertyDescription("Health checks run against each backend (at most 16).")
  public List<Check> checks;

  /** Set when read from the API: see {@link #unreadable()}. Not a field of the resource. */
  List<String> unreadable = List.of();

  /**
   * The values of the object as stored that this model could not read, each said with its path,
   * what it is and what is accepted; they are left out of this spec, as if not set. Empty for a
   * spec read cleanly or made in code. See {@link TolerantDeserializer}.
   */
  public List<String> unreadable() {
    return unreadable;
  }
}
