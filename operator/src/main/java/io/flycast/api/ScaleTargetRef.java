package io.flycast.api;

import io.fabric8.generator.annotation.Required;

/** Reference to a scalable workload, as in a HorizontalPodAutoscaler. */
public class ScaleTargetRef {
  /** e.g. {@code apps/v1}. */
  @Required public String apiVersion;

  /** e.g. {@code Deployment}. */
  @Required public String kind;

  @Required public String name;
}
