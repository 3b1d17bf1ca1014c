package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Observed state of an {@link ExposedService}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExposedServiceStatus {
  /** The allocated Flycast address. */
  @Size(max = Limits.IP_ADDRESS)
  public String address;

  /**
   * Every hostname routed here on the shared listeners: the spec's and {@code
   * <name>.<namespace>.flycast}.
   */
  @Size(max = Limits.HOSTNAMES + 1)
  public List<@Size(max = Limits.FLYCAST_HOSTNAME) String> hostnames;

  /** Ports and handlers, for {@code kubectl get} (e.g. {@code 80/http 443/tls,http}). */
  @Size(max = Limits.STATUS_PORTS)
  public String ports;

  /** The catalog version in which the current spec became routable. */
  public Long syncVersion;

  public Long observedGeneration;

  public Machines machines;

  /** The last backend start by autostart, if any. */
  public AutoscaleAction lastAutostart;

  /** The last backend stop by autostop, if any. */
  public AutoscaleAction lastAutostop;

  /**
   * Allocated, Synced, Ready — Kubernetes-style conditions with reasons. The schema is {@link
   * ConditionSchema}'s (swapped in on {@link ExposedService}): Fabric8's Condition has no bounds.
   */
  @Size(max = Limits.CONDITIONS)
  public List<Condition> conditions = new ArrayList<>();

  /**
   * Every field, so that the reconciler writes the status whenever anything in it changed (a field
   * added later is compared without anyone remembering to; StatusEqualityTest checks).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof ExposedServiceStatus s
        && Objects.equals(address, s.address)
        && Objects.equals(hostnames, s.hostnames)
        && Objects.equals(ports, s.ports)
        && Objects.equals(syncVersion, s.syncVersion)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(machines, s.machines)
        && Objects.equals(lastAutostart, s.lastAutostart)
        && Objects.equals(lastAutostop, s.lastAutostop)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        address, hostnames, ports, syncVersion, observedGeneration, machines, conditions);
  }

  /** One autostart or autostop: when, why, and the replica count it set. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AutoscaleAction {
    @Size(max = Limits.TIMESTAMP)
    public String time;

    @Size(max = Limits.REASON)
    public String reason;

    public Integer replicas;

    /** The pod stopped. */
    @Size(max = Limits.OBJECT_NAME)
    public String backend;

    @Override
    public boolean equals(Object o) {
      return o instanceof AutoscaleAction a
          && Objects.equals(time, a.time)
          && Objects.equals(reason, a.reason)
          && Objects.equals(replicas, a.replicas)
          && Objects.equals(backend, a.backend);
    }

    @Override
    public int hashCode() {
      return Objects.hash(time, reason, replicas, backend);
    }
  }

  /** Backend counts. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Machines {
    public Integer running;
    public Integer desired;

    /** {@code running/desired}, for {@code kubectl get}. */
    @Size(max = Limits.MACHINES_SUMMARY)
    public String summary;

    @Override
    public boolean equals(Object o) {
      return o instanceof Machines m
          && Objects.equals(running, m.running)
          && Objects.equals(desired, m.desired)
          && Objects.equals(summary, m.summary);
    }

    @Override
    public int hashCode() {
      return Objects.hash(running, desired, summary);
    }
  }

  /**
   * The CRD schema of one condition: Fabric8's {@link Condition} with the bounds of
   * metav1.Condition (type 316, reason 1024, message 32768 characters). Only the CRD generator
   * reads this class; the status holds {@link Condition}s.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class ConditionSchema {
    private ConditionSchema() {}

    /** RFC 3339. */
    @Size(max = Limits.TIMESTAMP)
    public String lastTransitionTime;

    @Size(max = Limits.MESSAGE)
    public String message;

    public Long observedGeneration;

    @Size(max = Limits.REASON)
    public String reason;

    public Status status;

    @Size(max = Limits.CONDITION_TYPE)
    public String type;

    /** metav1.ConditionStatus. */
    public enum Status {
      @JsonProperty("True")
      TRUE,
      @JsonProperty("False")
      FALSE,
      @JsonProperty("Unknown")
      UNKNOWN
    }
  }
}
