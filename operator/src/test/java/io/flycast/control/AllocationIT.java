package io.flycast.control;

import static io.flycast.control.Fixtures.addressOf;
import static io.flycast.control.Fixtures.flycastService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.FlycastIP;
import io.flycast.embedded.EmbeddedApiServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Address uniqueness and stability across restarts, replicas and exhaustion. */
class AllocationIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  EmbeddedApiServer api;
  KubernetesClient client;

  @BeforeEach
  void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private Map<String, String> addresses(String ns) {
    Map<String, String> out = new HashMap<>();
    for (Service s : client.services().inNamespace(ns).list().getItems()) {
      var ann = s.getMetadata().getAnnotations();
      out.put(
          s.getMetadata().getName(), ann == null ? null : ann.get(FlycastAnnotations.FLYCAST_IP));
    }
    return out;
  }

  private void createServices(String ns, int n) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> client.services().inNamespace(ns).resource(flycastService(ns, "s" + i)).create());
  }

  @Test
  void restartKeepsEveryAddressAndRoute() throws Exception {
    createServices("r", 50);
    Map<String, String> before;
    try (Flycast first = new Flycast(FlycastConfig.forTests(false), client).start()) {
      await().atMost(WAIT).until(() -> addresses("r").values().stream().allMatch(a -> a != null));
      before = addresses("r");
    }
    try (Flycast second = new Flycast(FlycastConfig.forTests(false), client).start()) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(second.catalog().current().size()).isEqualTo(50);
                assertThat(second.isLeader()).isTrue();
              });
      // Give the new leader time to do anything wrong; the addresses must not move.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(addresses("r")).isEqualTo(before));
      for (var e : before.entrySet()) {
        InetAddress a = io.flycast.allocation.FlycastAddressPool.parseAddress(e.getValue());
        assertThat(second.catalog().current().routeByAddress(a).key().name()).isEqualTo(e.getKey());
      }
      assertThat(client.resources(FlycastIP.class).list().getItems()).hasSize(50);
    }
  }

  /** Services created at once in the split brain: enough that the two leaders collide often. */
  static final int SPLIT = 100;

  @Test
  void twoOperatorsThatBothBelieveTheyLeadNeverShareAnAddress() throws Exception {
    // Different lease namespaces: both lead at once (a split brain). Only the API's create-as-lock
    // stands between them and duplicate addresses; the repair pass frees the losers' leftovers.
    FlycastConfig a = FlycastConfig.forTests(false);
    FlycastConfig b = a.withLeader("other", "kube-system");
    try (Flycast one = new Flycast(a, client).start();
        Flycast two = new Flycast(b, client).start()) {
      await().atMost(WAIT).until(() -> one.isLeader() && two.isLeader());
      createServices("split", SPLIT);
      long start = System.nanoTime();
      // Two phases, so a slow run says which part was slow: allocation by two racing leaders,
      // then the repair pass freeing the losers' leftovers (2 s minimum age at a 200 ms interval).
      await("every Service gets its own address")
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<String, String> got = addresses("split");
                assertThat(got.values()).doesNotContainNull();
                assertThat(new HashSet<>(got.values())).hasSize(SPLIT);
              });
      long allocated = System.nanoTime();
      // One DELETE a leftover, against an embedded API that both operators keep busy: on a loaded
      // 2-core machine a few a second, so this phase has three times the usual wait.
      await("the repair pass frees every leftover")
          .atMost(WAIT.multipliedBy(3))
          .untilAsserted(
              () -> {
                Map<String, String> got = addresses("split");
                List<FlycastIP> ips = client.resources(FlycastIP.class).list().getItems();
                Set<String> owners = new HashSet<>();
                ips.forEach(
                    ip -> owners.add(ip.getSpec().owner.namespace + "/" + ip.getSpec().owner.name));
                assertThat(ips).hasSize(SPLIT);
                assertThat(owners).hasSize(SPLIT);
                for (FlycastIP ip : ips) {
                  assertThat(got.get(ip.getSpec().owner.name)).isEqualTo(ip.getSpec().address);
                }
              });
      System.out.printf(
          "split brain: " + SPLIT + " addresses in %d ms, leftovers freed %d ms later%n",
          (allocated - start) / 1_000_000,
          (System.nanoTime() - allocated) / 1_000_000);
    }
  }

  @Test
  void tinyPrefixExhaustsIntoAnEventNotACrash() throws Exception {
    // A /126 has 4 addresses; the network address is never handed out: 3 usable.
    try (Flycast f =
        new Flycast(FlycastConfig.forTests(false).withPrefix("fdaa:0:48c8:0:1::/126"), client)
            .start()) {
      createServices("tiny", 4);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<String, String> got = addresses("tiny");
                assertThat(got.values().stream().filter(v -> v != null).distinct().count())
                    .isEqualTo(3);
                String starved =
                    got.entrySet().stream()
                        .filter(e -> e.getValue() == null)
                        .findFirst()
                        .orElseThrow()
                        .getKey();
                assertThat(client.v1().events().inNamespace("tiny").list().getItems())
                    .anyMatch(
                        e ->
                            starved.equals(e.getInvolvedObject().getName())
                                && "AddressRangeFull".equals(e.getReason())
                                && e.getMessage().contains("all 3 addresses"));
                assertThat(f.catalog().current().size()).isEqualTo(3);
              });
      // Freeing one lets the starved Service in.
      String victim =
          addresses("tiny").entrySet().stream()
              .filter(e -> e.getValue() != null)
              .findFirst()
              .orElseThrow()
              .getKey();
      client.services().inNamespace("tiny").withName(victim).delete();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<String, String> got = addresses("tiny");
                assertThat(got).hasSize(3);
                assertThat(got.values()).doesNotContainNull();
              });
    }
  }

  @Test
  void addressesComeFromTheFlycastBlockOfThePrefix() throws Exception {
    try (Flycast f = new Flycast(FlycastConfig.forTests(false), client).start()) {
      createServices("layout", 3);
      await()
          .atMost(WAIT)
          .until(() -> addresses("layout").values().stream().allMatch(v -> v != null));
      for (String v : addresses("layout").values()) {
        assertThat(v).startsWith("fdaa:0:48c8:0:1:");
      }
      assertThat(addressOf(client, "layout", "s0")).isInstanceOf(java.net.Inet6Address.class);
    }
  }
}
