package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleTarget;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scaling is a read then a write, and a Deployment's resourceVersion moves with every status
 * update: a 409 on the write is ordinary on a busy cluster. The scaler reads again and decides
 * again, a bounded number of times, instead of failing every request held for autostart.
 */
class KubernetesBackendScalerConflictTest {
  private static final String SCALE = "/apis/apps/v1/namespaces/default/deployments/web/scale";
  private static final RouteSpec ROUTE =
      RouteSpec.builder(new RouteKey("default", "web"), InetAddress.getLoopbackAddress())
          .isPrivate(true)
          .network("default")
          .scaleTarget(new ScaleTarget("apps/v1", "Deployment", "web"))
          .build();

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void setUp() {
    server = new KubernetesMockServer(false);
    server.init();
    client = server.createClient();
  }

  @AfterEach
  void tearDown() {
    client.close();
    server.destroy();
  }

  private static Scale scale(int replicas, String resourceVersion) {
    return new ScaleBuilder()
        .withNewMetadata()
        .withName("web")
        .withNamespace("default")
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .endSpec()
        .build();
  }

  private void conflicts(int times) {
    server
        .expect()
        .put()
        .withPath(SCALE)
        .andReturn(
            409,
            new StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage(
                    "the object has been modified; please apply your changes to the latest version")
                .build())
        .times(times);
  }

  @Test
  void aConflictIsRetriedWithAFreshReadAndAFreshDecision() throws Exception {
    // The count moves from 2 to 3 between the first read and write: the decision is taken again on
    // 3.
    server.expect().get().withPath(SCALE).andReturn(200, scale(2, "1")).once();
    server.expect().get().withPath(SCALE).andReturn(200, scale(3, "2")).always();
    conflicts(1);
    server.expect().put().withPath(SCALE).andReturn(200, scale(2, "3")).once();
    AtomicInteger decisions = new AtomicInteger();
    BackendScaler.Scaled s =
        new KubernetesBackendScaler(client)
            .scale(
                ROUTE,
                n -> {
                  decisions.incrementAndGet();
                  return n - 1;
                });
    assertThat(s).isEqualTo(new BackendScaler.Scaled(3, 2));
    assertThat(decisions).hasValue(2);
  }

  @Test
  void conflictsWithoutEndFailWithAClearReason() {
    server.expect().get().withPath(SCALE).andReturn(200, scale(1, "1")).always();
    conflicts(KubernetesBackendScaler.MAX_ATTEMPTS);
    assertThatThrownBy(() -> new KubernetesBackendScaler(client).scale(ROUTE, n -> n + 1))
        .isInstanceOf(BackendScaler.ScaleException.class)
        .hasMessageContaining("Deployment default/web from 1 to 2")
        .hasMessageContaining(
            "kept changing under " + KubernetesBackendScaler.MAX_ATTEMPTS + " attempts");
  }

  @Test
  void nothingIsWrittenWhenTheDecisionIsTheCountAlready() throws Exception {
    server.expect().get().withPath(SCALE).andReturn(200, scale(1, "1")).always();
    assertThat(new KubernetesBackendScaler(client).scale(ROUTE, n -> Math.max(n, 1)).changed())
        .isFalse();
    assertThat(server.getRequestCount()).isEqualTo(1);
  }
}
