package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of an {@link ExposedService}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExposedServiceStatus {
  /** The allocated Flycast address. */
  public String address;

  /** Every hostname routed here on the shared listeners. */
  public List<String> hostnames;

  /** Ports and handlers, for {@code kubectl get} (e.g. {@code 80/http 443/tls,http}). */
  public String ports;

  /** The catalog version in which the current spec became routable. */
  public Long syncVersion;

  public Long observedGeneration;

  public Machines machines;

  /** Allocated, Synced, Ready — Kubernetes-style conditions with reasons. */
  public List<Condition> conditions = new ArrayList<>();

  /** Backend counts. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Machines {
    public Integer running;
    public Integer desired;

    /** {@code running/desired}, for {@code kubectl get}. */
    public String summary;
  }
}
