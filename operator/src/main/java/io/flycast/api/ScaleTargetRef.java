package io.flycast.api;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Reference to a scalable workload, as in a HorizontalPodAutoscaler. */
public class ScaleTargetRef {
  /** e.g. {@code apps/v1}: a DNS-subdomain group, a slash, a DNS-label version. */
  @Required
  @Size(max = Limits.API_VERSION)
  public String apiVersion;

  /** e.g. {@code Deployment}; Kind names are DNS labels once lowercased. */
  @Required
  @Size(max = Limits.DNS_LABEL)
  public String kind;

  /** An object name (DNS subdomain). */
  @Required
  @Size(max = Limits.OBJECT_NAME)
  public String name;
}
