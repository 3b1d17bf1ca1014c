package io.flycast.control.watch;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flycast.control.FlycastAnnotations;
import io.flycast.informer.Informers;
import io.flycast.informer.PodItemStore;
import io.flycast.network.ClientNetworks;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps client addresses to networks from a Pod informer: a pod's IPs ({@code status.podIPs}, else
 * {@code status.podIP}) belong to its namespace, and a namespace is in the network named after it
 * plus any it joins with the label or annotation {@code fly.io/network} (comma-separated in the
 * annotation). That matches how routes get theirs: {@code spec.network} or the Service's {@code
 * fly.io/network} annotation, else the namespace name.
 *
 * <p>Lookups read a {@link PodAddressIndex} kept by watch events and the namespace cache, never the
 * API, so the proxy and DNS event loops can call them. The informer keeps only what that index
 * reads of each pod ({@link PodItemStore}).
 */
public final class PodNetworks implements ClientNetworks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PodNetworks.class);

  private final SharedIndexInformer<Pod> pods;
  private final Function<String, Namespace> namespaces;
  private final PodAddressIndex byAddress = new PodAddressIndex();

  /**
   * @param client the API, for the Pod watch
   * @param namespaces a namespace by name from a cache (e.g. {@link CatalogSync#namespace}), {@code
   *     null} when unknown
   */
  public PodNetworks(KubernetesClient client, Function<String, Namespace> namespaces) {
    this.namespaces = namespaces;
    this.pods = client.pods().inAnyNamespace().withLimit(Informers.LIST_LIMIT).runnableInformer(0);
    // Every pod of the cluster, so keep a few fields of each, and no index by namespace: lookups
    // are by address, in the index below.
    pods.itemStore(new PodItemStore()).removeNamespaceIndex();
    pods.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            byAddress.update(null, pod);
          }

          @Override
          public void onUpdate(Pod old, Pod pod) {
            byAddress.update(old, pod);
          }

          @Override
          public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            byAddress.update(pod, null);
          }
        });
  }

  /** Starts the watch and blocks until pods have been listed once. */
  public PodNetworks start() {
    pods.run();
    log.info("pod networks synced: {} addresses", byAddress.size());
    return this;
  }

  @Override
  public Set<String> networksOf(InetAddress client) {
    String ns = byAddress.namespaceOf(client);
    return ns == null ? Set.of() : networksOfNamespace(ns, namespaces.apply(ns));
  }

  /** Pods labelled {@code k8s-app: kube-dns}: CoreDNS forwarding the zones for every pod. */
  @Override
  public boolean isClusterResolver(InetAddress client) {
    return byAddress.isClusterDns(client);
  }

  /** The namespace's own network, then those it joins by {@code fly.io/network}. */
  public static Set<String> networksOfNamespace(String name, Namespace ns) {
    Set<String> out = new LinkedHashSet<>();
    out.add(name);
    if (ns != null && ns.getMetadata() != null) {
      addNames(out, ns.getMetadata().getLabels());
      addNames(out, ns.getMetadata().getAnnotations());
    }
    return Set.copyOf(out);
  }

  private static void addNames(Set<String> out, Map<String, String> meta) {
    String v = meta == null ? null : meta.get(FlycastAnnotations.NETWORK);
    if (v != null) {
      for (String n : v.split(",")) {
        if (!n.isBlank()) {
          out.add(n.trim());
        }
      }
    }
  }

  @Override
  public void close() {
    pods.close();
  }
}
