package io.flycast.control.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.flycast.control.FlycastAnnotations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pod watch events to address lookups, including address reuse and pods that hold no address. */
class PodAddressIndexTest {
  private final PodAddressIndex index = new PodAddressIndex();

  @Test
  void podIpsMapToTheirNamespace() {
    index.update(null, pod("a", "web", "Running", false, "10.0.0.1", "fd00::1"));
    assertThat(index.namespaceOf(ip("10.0.0.1"))).isEqualTo("a");
    assertThat(index.namespaceOf(ip("fd00::1"))).isEqualTo("a");
    assertThat(index.namespaceOf(ip("::ffff:10.0.0.1"))).isEqualTo("a");
    assertThat(index.namespaceOf(ip("10.0.0.2"))).isNull();
  }

  @Test
  void aReusedAddressIsNotForgottenByTheOldPodsLateDelete() {
    Pod old = pod("a", "web", "Running", false, "10.0.0.1");
    index.update(null, old);
    index.update(null, pod("b", "api", "Running", false, "10.0.0.1"));
    index.update(old, null);
    assertThat(index.namespaceOf(ip("10.0.0.1"))).isEqualTo("b");
  }

  @Test
  void addressChangesMoveTheMapping() {
    Pod before = pod("a", "web", "Pending", false);
    index.update(null, before);
    assertThat(index.size()).isZero();
    Pod running = pod("a", "web", "Running", false, "10.0.0.7");
    index.update(before, running);
    assertThat(index.namespaceOf(ip("10.0.0.7"))).isEqualTo("a");
    index.update(running, pod("a", "web", "Succeeded", false, "10.0.0.7"));
    assertThat(index.namespaceOf(ip("10.0.0.7")))
        .as("finished pods release their address")
        .isNull();
  }

  @Test
  void hostNetworkPodsAreLeftOut() {
    index.update(null, pod("kube-system", "proxy", "Running", true, "192.168.1.10"));
    assertThat(index.namespaceOf(ip("192.168.1.10"))).isNull();
  }

  @Test
  void clusterDnsPodsAreRecognisedByTheirLabel() {
    Pod coredns = pod("kube-system", "coredns-1", "Running", false, "10.0.0.53");
    coredns.getMetadata().setLabels(Map.of("k8s-app", "kube-dns"));
    index.update(null, coredns);
    index.update(null, pod("kube-system", "other", "Running", false, "10.0.0.54"));
    assertThat(index.isClusterDns(ip("10.0.0.53"))).isTrue();
    assertThat(index.isClusterDns(ip("10.0.0.54"))).isFalse();
    assertThat(index.isClusterDns(ip("10.0.0.55"))).isFalse();
  }

  @Test
  void namespacesJoinNetworksByLabelOrAnnotation() {
    assertThat(PodNetworks.networksOfNamespace("a", null)).containsExactly("a");
    var ns =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName("b")
            .withLabels(Map.of(FlycastAnnotations.NETWORK, "blue"))
            .withAnnotations(Map.of(FlycastAnnotations.NETWORK, "shared, red,,"))
            .endMetadata()
            .build();
    assertThat(PodNetworks.networksOfNamespace("b", ns))
        .containsExactlyInAnyOrder("b", "blue", "shared", "red");
  }

  private static Pod pod(String ns, String name, String phase, boolean hostNetwork, String... ips) {
    var b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(hostNetwork)
            .endSpec()
            .withNewStatus()
            .withPhase(phase)
            .endStatus();
    if (ips.length > 0) {
      b.editStatus().withPodIP(ips[0]).endStatus();
      for (String ip : ips) {
        b.editStatus().addToPodIPs(new PodIPBuilder().withIp(ip).build()).endStatus();
      }
    }
    return b.build();
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
