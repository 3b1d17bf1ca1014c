package io.flycast.control.watch;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.flycast.informer.PodItemStore;
import io.flycast.network.Cidr;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod addresses to namespaces, kept from Pod watch events; reads are lock-free map lookups.
 *
 * <p>Pods on the host network are left out (their IP is the node's, shared by many namespaces), and
 * so are finished pods (their IP may already be someone else's). Events for two pods sharing an
 * address can arrive in any order (a new pod may get the address before the old one's delete is
 * seen), so an address is forgotten only by the pod that holds it.
 */
public final class PodAddressIndex {
  private static final Logger log = LoggerFactory.getLogger(PodAddressIndex.class);

  /** Pods with this label value under {@code k8s-app} are the cluster DNS (CoreDNS, kube-dns). */
  static final String CLUSTER_DNS_APP = PodItemStore.CLUSTER_DNS_APP;

  /**
   * A pod holding an address: its {@code namespace/name}, its namespace, whether it is cluster DNS.
   */
  private record Holder(String pod, String namespace, boolean clusterDns) {}

  private final Map<InetAddress, Holder> byAddress = new ConcurrentHashMap<>();

  /** The namespace of the pod holding {@code address}, or {@code null}. */
  public String namespaceOf(InetAddress address) {
    Holder h = byAddress.get(Cidr.unmapped(address));
    return h == null ? null : h.namespace();
  }

  /** Whether the pod holding {@code address} is the cluster DNS ({@code k8s-app: kube-dns}). */
  public boolean isClusterDns(InetAddress address) {
    Holder h = byAddress.get(Cidr.unmapped(address));
    return h != null && h.clusterDns();
  }

  public int size() {
    return byAddress.size();
  }

  /** Applies a watch event: {@code before} null for an add, {@code after} null for a delete. */
  public void update(Pod before, Pod after) {
    if (before != null) {
      Holder old = holder(before);
      for (InetAddress a : addresses(before)) {
        byAddress.remove(a, old); // only if no newer pod took the address meanwhile
      }
    }
    if (after != null && holdsAddress(after)) {
      Holder h = holder(after);
      for (InetAddress a : addresses(after)) {
        byAddress.put(a, h);
      }
    }
  }

  private static Holder holder(Pod p) {
    var labels = p.getMetadata().getLabels();
    return new Holder(
        p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
        p.getMetadata().getNamespace(),
        labels != null && CLUSTER_DNS_APP.equals(labels.get(PodItemStore.APP_LABEL)));
  }

  private static boolean holdsAddress(Pod p) {
    boolean hostNetwork = p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork());
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return !hostNetwork && !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** The pod's IPs as literals (never resolved: these are addresses, not names). */
  public static List<InetAddress> addresses(Pod p) {
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
      var parsed = ip == null ? null : new inet.ipaddr.IPAddressString(ip).getAddress();
      if (parsed == null) {
        log.debug(
            "pod {}/{}: ignoring address '{}'",
            p.getMetadata().getNamespace(),
            p.getMetadata().getName(),
            ip);
      } else {
        out.add(Cidr.unmapped(parsed.toInetAddress()));
      }
    }
    return out;
  }
}
