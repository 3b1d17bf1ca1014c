package io.flycast.informer;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The Pod informer's store: of each pod only what network isolation reads (its addresses, whether
 * it is on the host network or finished, whether it is the cluster DNS), about 300 bytes where the
 * whole Pod is about 25 KB. A pod is a small record here and a {@link Pod} again when the informer
 * asks for it (to compare versions, or to hand a deleted pod to the handlers), with exactly those
 * fields set.
 *
 * <p>The pod's key ({@code namespace/name}) is its name and namespace; its resourceVersion is kept
 * for the informer's update checks, and its uid.
 */
public final class PodItemStore implements ItemStore<Pod> {
  /**
   * The label naming an add-on's app; {@code kube-dns} marks the cluster DNS (CoreDNS, kube-dns).
   */
  public static final String APP_LABEL = "k8s-app";

  public static final String CLUSTER_DNS_APP = "kube-dns";

  /**
   * A kept pod. {@code podIPs} is null when the pod lists no {@code status.podIPs} or lists just
   * {@code status.podIP} (the usual single-stack pod: one string, not a list of objects).
   */
  // Private, never compared or hashed, never handed out: a bare array keeps each kept pod small,
  // which is what this store is for (a List would add an object per dual-stack pod).
  @SuppressWarnings("ArrayRecordComponent")
  private record Kept(
      String resourceVersion,
      String uid,
      boolean clusterDns,
      boolean hostNetwork,
      String phase,
      String podIP,
      boolean podIPsIsPodIP,
      String[] podIPs) {}

  private final ConcurrentHashMap<String, Kept> pods = new ConcurrentHashMap<>();

  @Override
  public String getKey(Pod pod) {
    return Cache.metaNamespaceKeyFunc(pod);
  }

  @Override
  public Pod put(String key, Pod pod) {
    return restore(key, pods.put(key, keep(pod)));
  }

  @Override
  public Pod remove(String key) {
    return restore(key, pods.remove(key));
  }

  @Override
  public Stream<String> keySet() {
    return pods.keySet().stream();
  }

  @Override
  public Stream<Pod> values() {
    return pods.entrySet().stream().map(e -> restore(e.getKey(), e.getValue()));
  }

  @Override
  public int size() {
    return pods.size();
  }

  @Override
  public Pod get(String key) {
    return restore(key, pods.get(key));
  }

  static Kept keep(Pod pod) {
    ObjectMeta m = pod.getMetadata();
    Map<String, String> labels = m.getLabels();
    boolean clusterDns = labels != null && CLUSTER_DNS_APP.equals(labels.get(APP_LABEL));
    boolean hostNetwork =
        pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
    PodStatus st = pod.getStatus();
    String phase =
        st == null || st.getPhase() == null ? null : st.getPhase().intern(); // five phases in all
    String podIP = st == null ? null : st.getPodIP();
    List<PodIP> ips = st == null ? null : st.getPodIPs();
    boolean podIPsIsPodIP =
        ips != null
            && ips.size() == 1
            && ips.get(0) != null
            && podIP != null
            && podIP.equals(ips.get(0).getIp());
    String[] podIPs =
        ips == null || podIPsIsPodIP
            ? null
            : ips.stream().map(ip -> ip == null ? null : ip.getIp()).toArray(String[]::new);
    return new Kept(
        m.getResourceVersion(),
        m.getUid(),
        clusterDns,
        hostNetwork,
        phase,
        podIP,
        podIPsIsPodIP,
        podIPs);
  }

  static Pod restore(String key, Kept k) {
    if (k == null) {
      return null;
    }
    int slash = key.indexOf('/');
    ObjectMeta m = new ObjectMeta();
    m.setNamespace(slash < 0 ? null : key.substring(0, slash));
    m.setName(key.substring(slash + 1));
    m.setResourceVersion(k.resourceVersion());
    m.setUid(k.uid());
    if (k.clusterDns()) {
      m.setLabels(Map.of(APP_LABEL, CLUSTER_DNS_APP));
    }
    Pod pod = new Pod();
    pod.setMetadata(m);
    if (k.hostNetwork()) {
      PodSpec spec = new PodSpec();
      spec.setHostNetwork(true);
      pod.setSpec(spec);
    }
    PodStatus st = new PodStatus();
    st.setPhase(k.phase());
    st.setPodIP(k.podIP());
    if (k.podIPsIsPodIP()) {
      st.setPodIPs(List.of(new PodIP(k.podIP())));
    } else if (k.podIPs() != null) {
      st.setPodIPs(Stream.of(k.podIPs()).map(ip -> ip == null ? null : new PodIP(ip)).toList());
    }
    pod.setStatus(st);
    return pod;
  }
}
