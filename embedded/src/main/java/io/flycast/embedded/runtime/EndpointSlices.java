package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The EndpointSlices a Service should have for the local pods, worked out as the EndpointSlice
 * controller does; {@link EndpointSlicePublisher} writes them. Each Service port is resolved in
 * each pod ({@link #resolve}) and listed under the Service port's name; pods whose ports resolve
 * alike share a slice. One slice, {@code <service>-local}, when all pods agree (or there are none);
 * otherwise {@code <service>-local-<hash of the ports>} per group. Addresses are IPv4 only: the
 * pods live on 127.0.0.x.
 */
final class EndpointSlices {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  static final String MANAGED_BY = "flycast-local-runtime";

  private EndpointSlices() {}

  /** Whether a Service's selector selects a pod's labels; an empty selector selects nothing. */
  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    if (selector == null || selector.isEmpty()) {
      return false;
    }
    for (var e : selector.entrySet()) {
      if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The slices of {@code svc} for the pods it selects, by slice name. */
  static Map<String, EndpointSlice> slices(Service svc, List<LocalPod> pods) {
    Map<List<EndpointPort>, List<LocalPod>> groups = new LinkedHashMap<>();
    for (LocalPod p : pods) {
      groups.computeIfAbsent(ports(svc, p), k -> new ArrayList<>()).add(p);
    }
    if (groups.isEmpty()) {
      groups.put(
          List.of(), List.of()); // a placeholder, as the controller keeps: no endpoints, no ports
    }
    String base = svc.getMetadata().getName() + "-local";
    Map<String, EndpointSlice> out = new LinkedHashMap<>();
    for (var g : groups.entrySet()) {
      String name = groups.size() == 1 ? base : base + "-" + portsHash(g.getKey());
      out.put(name, slice(svc, name, g.getKey(), g.getValue()));
    }
    return out;
  }

  /**
   * The pod's ports for the Service: each Service port the pod resolves, in the Service's order.
   */
  private static List<EndpointPort> ports(Service svc, LocalPod pod) {
    List<EndpointPort> ports = new ArrayList<>();
    if (svc.getSpec().getPorts() == null) {
      return ports;
    }
    for (ServicePort sp : svc.getSpec().getPorts()) {
      Integer target = resolve(sp, pod);
      if (target != null) {
        ports.add(
            new EndpointPortBuilder()
                .withName(sp.getName() == null ? "" : sp.getName())
                .withPort(target)
                .withProtocol(NamedPorts.protocol(sp.getProtocol()))
                .build());
      }
    }
    return ports;
  }

  /**
   * What a Service port's {@code targetPort} is in a pod, as Kubernetes' FindPort does: a number as
   * is (unset means the Service port), a name the pod's container port of that name and protocol;
   * null when the pod has none, and then the pod is not an endpoint of that port.
   */
  static Integer resolve(ServicePort sp, LocalPod pod) {
    IntOrString tp = sp.getTargetPort();
    if (tp != null && tp.getIntVal() != null) {
      return tp.getIntVal();
    }
    if (tp == null || tp.getStrVal() == null || tp.getStrVal().isBlank()) {
      return sp.getPort();
    }
    return pod.namedPorts.find(tp.getStrVal(), sp.getProtocol());
  }

  private static String portsHash(List<EndpointPort> ports) {
    StringBuilder sb = new StringBuilder();
    ports.forEach(
        p ->
            sb.append(p.getName())
                .append('=')
                .append(p.getPort())
                .append('/')
                .append(p.getProtocol())
                .append(','));
    return String.format("%08x", sb.toString().hashCode());
  }

  private static EndpointSlice slice(
      Service svc, String sliceName, List<EndpointPort> ports, List<LocalPod> pods) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (LocalPod p : pods) {
      endpoints.add(
          new EndpointBuilder()
              .withAddresses(p.ip)
              // A terminating pod still serves its open connections: ready=false, serving=true.
              .withNewConditions()
              .withReady(p.ready && !p.terminating)
              .withServing(p.terminating || p.ready)
              .withTerminating(p.terminating)
              .endConditions()
              .withTargetRef(
                  new ObjectReferenceBuilder()
                      .withKind("Pod")
                      .withName(p.name)
                      .withNamespace(p.namespace)
                      .withUid(p.uid)
                      .build())
              .withNodeName(PodSupervisor.NODE_NAME)
              .withZone(p.zone)
              .build());
    }
    String name = svc.getMetadata().getName();
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(sliceName)
        .withNamespace(svc.getMetadata().getNamespace())
        .withLabels(Map.of(SERVICE_NAME_LABEL, name, MANAGED_BY_LABEL, MANAGED_BY))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Service")
                .withName(name)
                .withUid(svc.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .withPorts(new ArrayList<>(ports))
        .build();
  }
}
