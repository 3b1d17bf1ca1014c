package io.flycast.control;

import static io.flycast.control.Fixtures.addressOf;
import static io.flycast.control.Fixtures.annotation;
import static io.flycast.control.Fixtures.flycastService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.catalog.Route;
import io.flycast.embedded.EmbeddedApiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceAddressIT {
  private EmbeddedApiServer api;
  private KubernetesClient client;
  private Flycast flycast;

  @BeforeEach
  void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    flycast = new Flycast(FlycastConfig.forTests(false), client).start();
  }

  @AfterEach
  void stop() {
    flycast.close();
    api.close();
  }

  @Test
  void annotatedServiceGetsAddressMarksAndRoute() {
    client.services().inNamespace("default").resource(flycastService("default", "web")).create();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(
                      annotation(client, "default", "web", FlycastAnnotations.CLUSTERIP_ALLOCATOR))
                  .isEqualTo("configured");
              var addr = addressOf(client, "default", "web");
              assertThat(addr).isNotNull();
              assertThat(Fixtures.inPrefix(addr, FlycastConfig.DEFAULT_PREFIX)).isTrue();
              Route r = Fixtures.route(flycast.catalog().current(), "default", "web");
              assertThat(r).isNotNull();
              assertThat(r.spec().address()).isEqualTo(addr);
              assertThat(annotation(client, "default", "web", FlycastAnnotations.SYNC_VERSION))
                  .isEqualTo(Long.toString(r.specVersion()));
            });
  }
}
