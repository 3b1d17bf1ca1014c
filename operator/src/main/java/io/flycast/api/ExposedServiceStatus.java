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

  /** The last backend start by autostart, if any. */
  public AutoscaleAction lastAutostart;

  /** The last backend stop by autostop, if any. */
  public AutoscaleAction lastAutostop;

  /** Allocated, Synced, Ready — Kubernetes-style conditions with reasons. */
  public List<Condition> conditions = new ArrayList<>();

  /** One autostart or autostop: when, why, and the replica count it set. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AutoscaleAction {
    public String time;
    public String reason;
    public Integer replicas;
    public String backend;

    @Override
    public boolean equals(Object o) {
      return o instanceof AutoscaleAction a && java.util.Objects.equals(time, a.time) && java.util.Objects.equals(reason, a.reason)
          && java.util.Objects.equals(replicas, a.replicas) && java.util.Objects.equals(backend, a.backend);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(time, reason, replicas, backend);
    }
  }

  /** Backend counts. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Machines {
    public Integer running;
    public Integer desired;

    /** {@code running/desired}, for {@code kubectl get}. */
    public String summary;
  }
}
