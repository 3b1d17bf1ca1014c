package io.flycast.control;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flycast.network.Cidr;
import io.flycast.network.ClientNetworks;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps client addresses to networks from a Pod informer: a pod's IPs ({@code status.podIPs}, else
 * {@code status.podIP}) belong to its namespace, and a namespace is in the network named after it
 * plus any it joins with the label or annotation {@code fly.io/network} (comma-separated in the
 * annotation). That matches how routes get theirs: {@code spec.network} or the Service's
 * {@code fly.io/network} annotation, else the namespace name.
 *
 * <p>Lookups read a map kept by watch events and the namespace cache, never the API, so the
 * proxy and DNS event loops can call them. Pods on the host network are left out (their IP is
 * the node's, shared by many namespaces), and so are finished pods (their IP may already be
 * someone else's).
 */
public final class PodNetworks implements ClientNetworks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PodNetworks.class);

  /** A pod holding an address: its {@code namespace/name}, to forget it only if still the holder. */
  private record Holder(String pod, String namespace) {}

  private final SharedIndexInformer<Pod> pods;
  private final Function<String, Namespace> namespaces;
  private final Map<InetAddress, Holder> byAddress = new ConcurrentHashMap<>();

  /**
   * @param client the API, for the Pod watch
   * @param namespaces a namespace by name from a cache (e.g. {@link CatalogSync#namespace}),
   *     {@code null} when unknown
   */
  public PodNetworks(KubernetesClient client, Function<String, Namespace> namespaces) {
    this.namespaces = namespaces;
    this.pods = client.pods().inAnyNamespace().runnableInformer(0);
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        update(null, pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        update(old, pod);
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        update(pod, null);
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
    Holder h = byAddress.get(Cidr.unmapped(client));
    return h == null ? Set.of() : networksOfNamespace(h.namespace(), namespaces.apply(h.namespace()));
  }

  /** The namespace's own network, then those it joins by {@code fly.io/network}. */
  static Set<String> networksOfNamespace(String name, Namespace ns) {
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

  private void update(Pod before, Pod after) {
    Holder old = before == null ? null : holder(before);
    if (old != null) {
      for (InetAddress a : addresses(before)) {
        byAddress.remove(a, old); // only if no newer pod took the address meanwhile
      }
    }
    if (after != null && routable(after)) {
      Holder h = holder(after);
      for (InetAddress a : addresses(after)) {
        byAddress.put(a, h);
      }
    }
  }

  private static Holder holder(Pod p) {
    return new Holder(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p.getMetadata().getNamespace());
  }

  private static boolean routable(Pod p) {
    boolean hostNetwork = p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork());
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return !hostNetwork && !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** The pod's IPs as literals (never resolved: these are addresses, not names). */
  static List<InetAddress> addresses(Pod p) {
    List<InetAddress> out = new ArrayList<>();
    if (p.getStatus() == null) {
      return out;
    }
    List<String> ips = new ArrayList<>();
    if (p.getStatus().getPodIPs() != null) {
      p.getStatus().getPodIPs().stream().map(PodIP::getIp).forEach(ips::add);
    }
    if (ips.isEmpty() && p.getStatus().getPodIP() != null) {
      ips.add(p.getStatus().getPodIP());
    }
    for (String ip : ips) {
      try {
        out.add(Cidr.unmapped(new inet.ipaddr.IPAddressString(ip).getAddress().toInetAddress()));
      } catch (RuntimeException e) {
        log.debug("pod {}/{}: ignoring address '{}'", p.getMetadata().getNamespace(), p.getMetadata().getName(), ip);
      }
    }
    return out;
  }

  @Override
  public void close() {
    pods.close();
  }
}
