package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EndpointSlice controller for the local node's pods: whenever a Service or one of the pods
 * changes, writes the slices of each Service of the namespace that selects local pods ({@link
 * EndpointSlices} says what they hold) and deletes the ones no longer wanted. A slice is written
 * only when its endpoints or ports changed. A Service that never selected a local pod is left
 * alone: its endpoints, if any, are someone else's. Runs on the runtime thread.
 */
final class EndpointSlicePublisher implements PodListener {
  private static final Logger log = LoggerFactory.getLogger(EndpointSlicePublisher.class);

  private final KubernetesClient client;
  private final RuntimeLoop loop;
  private final PodSupervisor supervisor;

  /**
   * The slices written, by "namespace/service", then by slice name, with the content last written.
   */
  private final Map<String, Map<String, EndpointSlice>> published = new HashMap<>();

  private SharedIndexInformer<Service> services;

  EndpointSlicePublisher(KubernetesClient client, RuntimeLoop loop, PodSupervisor supervisor) {
    this.client = client;
    this.loop = loop;
    this.supervisor = supervisor;
  }

  /** The Service informer, not started yet: any change of a Service republishes its namespace. */
  SharedIndexInformer<Service> watchServices() {
    services = client.services().inAnyNamespace().runnableInformer(0);
    services.addEventHandler(loop.onEveryChange(s -> publish(s.getMetadata().getNamespace())));
    return services;
  }

  @Override
  public void started(LocalPod pod) {
    publish(pod.namespace);
  }

  @Override
  public void ready(LocalPod pod) {
    publish(pod.namespace);
  }

  @Override
  public void unready(LocalPod pod) {
    publish(pod.namespace);
  }

  @Override
  public void crashed(LocalPod pod) {
    publish(pod.namespace);
  }

  @Override
  public void terminating(LocalPod pod) {
    publish(pod.namespace);
  }

  @Override
  public void gone(LocalPod pod) {
    publish(pod.namespace);
  }

  /** Brings the slices of every Service of {@code namespace} up to date with the pods. */
  void publish(String namespace) {
    Set<String> seen = new HashSet<>();
    List<LocalPod> nsPods =
        supervisor.pods().stream()
            .filter(p -> p.namespace.equals(namespace))
            .sorted(Comparator.comparing(p -> p.name))
            .toList();
    for (Service svc : services.getStore().list()) {
      if (!namespace.equals(svc.getMetadata().getNamespace()) || svc.getSpec() == null) {
        continue;
      }
      String key = namespace + "/" + svc.getMetadata().getName();
      List<LocalPod> matching =
          nsPods.stream()
              .filter(p -> EndpointSlices.selects(svc.getSpec().getSelector(), p.labels))
              .toList();
      if (matching.isEmpty() && !published.containsKey(key)) {
        continue; // not ours: no local pod ever matched
      }
      seen.add(key);
      published.put(
          key,
          write(
              namespace,
              published.getOrDefault(key, Map.of()),
              EndpointSlices.slices(svc, matching)));
    }
    for (var it = published.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().startsWith(namespace + "/") && !seen.contains(e.getKey())) {
        it.remove(); // the Service is gone
        e.getValue().keySet().forEach(name -> delete(namespace, name));
      }
    }
  }

  /**
   * Writes the wanted slices that differ from what {@code had} holds and deletes the unwanted ones;
   * returns what is published now.
   */
  private Map<String, EndpointSlice> write(
      String namespace, Map<String, EndpointSlice> had, Map<String, EndpointSlice> want) {
    Map<String, EndpointSlice> now = new HashMap<>();
    // Writes before deletes, so a pod moving between slices is never in none.
    for (EndpointSlice slice : want.values()) {
      String name = slice.getMetadata().getName();
      EndpointSlice last = had.get(name);
      if (last != null
          && Objects.equals(last.getEndpoints(), slice.getEndpoints())
          && Objects.equals(last.getPorts(), slice.getPorts())) {
        now.put(name, last);
        continue;
      }
      try {
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .resource(slice)
            .createOr(NonDeletingOperation::update);
        now.put(name, slice);
      } catch (KubernetesClientException e) {
        log.warn("could not write EndpointSlice {}/{}: {}", namespace, name, e.toString());
      }
    }
    had.keySet().stream()
        .filter(name -> !want.containsKey(name))
        .forEach(name -> delete(namespace, name));
    return now;
  }

  private void delete(String namespace, String name) {
    try {
      client.discovery().v1().endpointSlices().inNamespace(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      log.warn("could not delete EndpointSlice {}/{}: {}", namespace, name, e.toString());
    }
  }
}
