package io.flycast.control;

import static io.flycast.control.Fixtures.flycastService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.control.watch.PodNetworks;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.network.Access;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Network isolation against the embedded API: Pods with {@code status.podIP} map client addresses
 * to their namespace's networks, and the proxy refuses private routes to other networks. Nothing is
 * trusted here ({@code --trusted-cidrs} empty), unlike the other control-plane tests.
 */
class NetworkIsolationIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static Flycast flycast;
  static PodNetworks networks;

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    flycast =
        new Flycast(
                FlycastConfig.forTests(false)
                    .withTrustedCidrs("")
                    .withProxy(new InetSocketAddress("127.0.0.1", 0), null),
                client)
            .start();
    // A second lookup of its own, to assert the mapping directly (Flycast's is inside its policy).
    networks = new PodNetworks(client, name -> client.namespaces().withName(name).get()).start();
  }

  @AfterAll
  static void stop() {
    networks.close();
    flycast.close();
    api.close();
  }

  static void namespace(String ns, Map<String, String> annotations) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .withAnnotations(annotations)
                .endMetadata()
                .build())
        .create();
  }

  /** A pod with {@code ip}, written through the status subresource as the kubelet would. */
  static void pod(String ns, String name, String ip) {
    Pod p =
        client
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withNamespace(ns)
                    .withName(name)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("app")
                    .withImage("app")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    p.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ip)
            .withPodIPs(new PodIPBuilder().withIp(ip).build())
            .build());
    client.pods().inNamespace(ns).resource(p).updateStatus();
  }

  static Service privateService(String ns, String name, String network) {
    Service s = flycastService(ns, name);
    s.getMetadata().getAnnotations().put(FlycastAnnotations.handlers(80), "http");
    // No workload behind it: an allowed request gets an immediate 503 instead of an autostart wait.
    s.getMetadata().getAnnotations().put(FlycastAnnotations.AUTO_START, "false");
    if (network != null) {
      s.getMetadata().getAnnotations().put(FlycastAnnotations.NETWORK, network);
    }
    return client.services().inNamespace(ns).resource(s).create();
  }

  static InetAddress ip(String s) throws IOException {
    return InetAddress.getByName(s);
  }

  /** The status of one request to the shared listener from {@code source}. */
  static int status(String source, String host) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(source, 0));
      s.connect(flycast.proxy().httpAddress(), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      // The status line is enough; what follows does not matter here.
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      String all = in.readLine();
      return Integer.parseInt(all.split(" ")[1]);
    }
  }

  @Test
  void podsOfOtherNamespacesAreRefusedAPrivateRoute() throws Exception {
    namespace("iso-a", Map.of());
    namespace("iso-b", Map.of());
    pod("iso-a", "client", "127.0.0.41");
    pod("iso-b", "client", "127.0.0.42");
    privateService("iso-a", "web", null);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(networks.networksOf(ip("127.0.0.41"))).containsExactly("iso-a");
              assertThat(networks.networksOf(ip("127.0.0.42"))).containsExactly("iso-b");
              assertThat(Fixtures.route(flycast.catalog().current(), "iso-a", "web")).isNotNull();
            });
    assertThat(networks.networksOf(ip("127.0.0.49"))).isEmpty();
    var web = Fixtures.route(flycast.catalog().current(), "iso-a", "web").spec();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(flycast.networkPolicy().decide(ip("127.0.0.41"), web))
                  .isEqualTo(Access.ALLOWED);
              assertThat(flycast.networkPolicy().decide(ip("127.0.0.42"), web))
                  .isEqualTo(Access.OTHER_NETWORK);
            });
    // Through the proxy: no backends, so the allowed client gets 503 rather than 403.
    assertThat(status("127.0.0.42", "web.iso-a.flycast")).isEqualTo(403);
    assertThat(status("127.0.0.41", "web.iso-a.flycast")).isEqualTo(503);
    assertThat(status("127.0.0.49", "web.iso-a.flycast")).isEqualTo(403);

    // A deleted pod's address belongs to nobody any more.
    client.pods().inNamespace("iso-b").withName("client").delete();
    await().atMost(WAIT).until(() -> networks.networksOf(ip("127.0.0.42")).isEmpty());
  }

  @Test
  void namespacesJoinANamedNetworkWithTheAnnotation() throws Exception {
    namespace("iso-c", Map.of(FlycastAnnotations.NETWORK, "shared"));
    namespace("iso-d", Map.of(FlycastAnnotations.NETWORK, "shared"));
    namespace("iso-e", Map.of());
    pod("iso-c", "client", "127.0.0.43");
    pod("iso-d", "client", "127.0.0.44");
    pod("iso-e", "client", "127.0.0.45");
    privateService("iso-c", "api", "shared");
    privateService("iso-d", "db", "shared");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(networks.networksOf(ip("127.0.0.44")))
                  .containsExactlyInAnyOrder("iso-d", "shared");
              assertThat(Fixtures.route(flycast.catalog().current(), "iso-c", "api")).isNotNull();
              assertThat(Fixtures.route(flycast.catalog().current(), "iso-d", "db")).isNotNull();
              assertThat(
                      flycast
                          .networkPolicy()
                          .decide(
                              ip("127.0.0.44"),
                              Fixtures.route(flycast.catalog().current(), "iso-c", "api").spec()))
                  .isEqualTo(Access.ALLOWED);
            });
    assertThat(status("127.0.0.44", "api.iso-c.flycast")).isEqualTo(503);
    assertThat(status("127.0.0.43", "db.iso-d.flycast")).isEqualTo(503);
    assertThat(status("127.0.0.45", "api.iso-c.flycast")).isEqualTo(403);

    // Leaving the network (annotation removed) takes effect without restarting anything.
    client
        .namespaces()
        .withName("iso-d")
        .edit(
            n -> {
              n.getMetadata().getAnnotations().remove(FlycastAnnotations.NETWORK);
              return n;
            });
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(status("127.0.0.44", "api.iso-c.flycast")).isEqualTo(403));
    assertThat(networks.networksOf(ip("127.0.0.44"))).isEqualTo(Set.of("iso-d"));
  }
}
