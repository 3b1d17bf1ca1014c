package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.catalog.Autoscale;
import io.flycast.catalog.Backend;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleTarget;
import io.flycast.embedded.EmbeddedApiServer;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The /scale subresource path, on the embedded API (which serves /scale as a real API server does). */
class KubernetesBackendScalerIT {
  static EmbeddedApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").addToLabels("tier", "front").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("web").endContainer().endSpec().endTemplate()
        .endSpec().build()).create();
    client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withSelector(Map.of("app", "web")).endSpec().build()).create();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static RouteSpec route(String name, ScaleTarget target) {
    return new RouteSpec(new RouteKey("default", name), InetAddress.getLoopbackAddress(), List.of(), List.of(),
        Concurrency.DEFAULT, Autoscale.DEFAULT, true, "default", target);
  }

  @Test
  void infersTheDeploymentFromTheServiceSelectorAndScalesIt() throws Exception {
    var scaler = new KubernetesBackendScaler(client);
    RouteSpec r = route("web", null);
    assertThat(scaler.replicas(r)).isEqualTo(2);
    scaler.scaleTo(r, 0);
    assertThat(client.apps().deployments().inNamespace("default").withName("web").get().getSpec().getReplicas()).isZero();
    assertThat(scaler.replicas(r)).isZero();
    scaler.scaleTo(r, 3);
    assertThat(client.apps().deployments().inNamespace("default").withName("web").get().getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void explicitTargetWinsAndAMissingOneSaysWhatToFix() {
    var scaler = new KubernetesBackendScaler(client);
    assertThatThrownBy(() -> scaler.replicas(route("web", new ScaleTarget("apps/v1", "Deployment", "nope"))))
        .hasMessageContaining("Deployment default/nope");
    assertThatThrownBy(() -> scaler.replicas(route("orphan", null)))
        .hasMessageContaining("scaleTargetRef");
  }

  @Test
  void marksTheIdlePodWithTheLowestDeletionCost() throws Exception {
    client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("web-1").endMetadata().build()).create();
    var scaler = new KubernetesBackendScaler(client);
    scaler.markForRemoval(route("web", null), new Backend("web-1", InetAddress.getLoopbackAddress(), "local", true, true, false));
    assertThat(client.pods().inNamespace("default").withName("web-1").get().getMetadata().getAnnotations())
        .containsEntry(KubernetesBackendScaler.POD_DELETION_COST, "-1000");
  }
}
