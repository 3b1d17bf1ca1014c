package io.flycast.control;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.embedded.EmbeddedApiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One embedded API and one Flycast (control plane only) shared by the tests of a class. */
abstract class EmbeddedControlPlane {
  static final Duration WAIT = Duration.ofSeconds(30);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static Flycast flycast;

  @BeforeAll
  static void startControlPlane() throws Exception {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    flycast = new Flycast(FlycastConfig.forTests(false), client).start();
  }

  @AfterAll
  static void stopControlPlane() {
    flycast.close();
    api.close();
  }
}
