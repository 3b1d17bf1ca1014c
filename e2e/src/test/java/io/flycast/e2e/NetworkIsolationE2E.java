package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Network isolation in embedded mode, as a developer meets it: the local runtime's pods are real
 * Pods on their own 127.0.0.x addresses, so a client bound to a pod's address is that pod. The
 * examples put {@code web} (private) in {@code default} and {@code api} (private) in {@code
 * team-a}; 127.0.0.1, the developer's own curl, is trusted by default.
 */
class NetworkIsolationE2E {
  static final Duration WAIT = Duration.ofSeconds(60);
  static FlycastProcess flycast;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    flycast =
        FlycastProcess.startEmbedded(
            "--apply", FlycastProcess.repo().resolve("examples").toString());
    client = flycast.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (flycast != null) {
      flycast.close();
    }
  }

  /** The address of a running pod of {@code namespace} whose name starts with {@code prefix}. */
  static String podIp(String namespace, String prefix) {
    return await()
        .atMost(WAIT)
        .until(
            () ->
                client.pods().inNamespace(namespace).list().getItems().stream()
                    .filter(p -> p.getMetadata().getName().startsWith(prefix))
                    .map(Pod::getStatus)
                    .filter(s -> s != null && s.getPodIP() != null)
                    .map(s -> s.getPodIP())
                    .findFirst()
                    .orElse(null),
            ip -> ip != null);
  }

  /** The status of one request to the shared listener, sent from {@code source}. */
  static int status(String source, String host) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(source, 0));
      s.connect(new InetSocketAddress("127.0.0.1", flycast.httpPort), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return Integer.parseInt(all.split(" ")[1]);
    }
  }

  @Test
  void podsReachOnlyTheirOwnNetworksPrivateRoutesAndTheDeveloperReachesAll() throws Exception {
    String web = podIp("default", "web-");
    String api = podIp("team-a", "api-");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(status(web, "web.default.flycast")).isEqualTo(200);
              assertThat(status(api, "api.team-a.flycast")).isEqualTo(200);
            });
    assertThat(status(api, "web.default.flycast")).isEqualTo(403);
    assertThat(status(web, "api.team-a.flycast")).isEqualTo(403);
    assertThat(status("127.0.0.1", "api.team-a.flycast")).isEqualTo(200);
    assertThat(status("127.0.0.1", "web.default.flycast")).isEqualTo(200);
    assertThat(flycast.get("/metrics").body())
        .contains("flycast_proxy_refused_total{reason=\"other_network\",route=\"default/web\"}");
  }

  @Test
  void dnsListsOnlyTheRoutesAPodMayReach() throws Exception {
    String api = podIp("team-a", "api-");
    await().atMost(WAIT).untilAsserted(() -> assertThat(dig(api)).isEqualTo("\"api.team-a\""));
    // Loopback is trusted in embedded mode: it sees every route, once they all have addresses.
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(dig("127.0.0.1")).contains("api.team-a", "web.default"));
  }

  static String dig(String source) throws Exception {
    return EmbeddedModeE2E.run(
        "dig",
        "@127.0.0.1",
        "-p",
        Integer.toString(flycast.dnsPort),
        "-b",
        source,
        "+short",
        "TXT",
        "_apps.internal");
  }
}
