package io.flycast.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import io.flycast.embedded.EmbeddedApiServer;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The /scale subresource path, on the embedded API (which serves /scale as a real API server does).
 */
class KubernetesBackendScalerIT {
  static EmbeddedApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    client
        .apps()
        .deployments()
        .inNamespace("default")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .addToMatchLabels("app", "web")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "web")
                .addToLabels("tier", "front")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("web")
                .withImage("web")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    client
        .services()
        .inNamespace("default")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("web")
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("app", "web"))
                .endSpec()
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static RouteSpec route(String name, ScaleTarget target) {
    return RouteSpec.builder(new RouteKey("default", name), InetAddress.getLoopbackAddress())
        .isPrivate(true)
        .network("default")
        .scaleTarget(target)
        .build();
  }

  @Test
  void infersTheDeploymentFromTheServiceSelectorAndScalesIt() throws Exception {
    var scaler = new KubernetesBackendScaler(client);
    RouteSpec r = route("web", null);
    assertThat(scaler.replicas(r)).isEqualTo(2);
    scaler.scaleTo(r, 0);
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("default")
                .withName("web")
                .get()
                .getSpec()
                .getReplicas())
        .isZero();
    assertThat(scaler.replicas(r)).isZero();
    scaler.scaleTo(r, 3);
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("default")
                .withName("web")
                .get()
                .getSpec()
                .getReplicas())
        .isEqualTo(3);
  }

  @Test
  void explicitTargetWinsAndAMissingOneSaysWhatToFix() {
    var scaler = new KubernetesBackendScaler(client);
    assertThatThrownBy(
            () -> scaler.replicas(route("web", new ScaleTarget("apps/v1", "Deployment", "nope"))))
        .hasMessageContaining("Deployment default/nope");
    assertThatThrownBy(() -> scaler.replicas(route("orphan", null)))
        .hasMessageContaining("scaleTargetRef");
  }

  @Test
  void marksTheIdlePodWithTheLowestDeletionCost() throws Exception {
    client
        .pods()
        .inNamespace("default")
        .resource(new PodBuilder().withNewMetadata().withName("web-1").endMetadata().build())
        .create();
    var scaler = new KubernetesBackendScaler(client);
    scaler.markForRemoval(
        route("web", null),
        new Backend("web-1", InetAddress.getLoopbackAddress(), "local", true, true, false));
    assertThat(
            client
                .pods()
                .inNamespace("default")
                .withName("web-1")
                .get()
                .getMetadata()
                .getAnnotations())
        .containsEntry(KubernetesBackendScaler.POD_DELETION_COST, "-1000");
  }

  /** A namespaced custom kind with a /scale subresource, as an operator of one would install. */
  static void installWidgets() {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("widgets.example.com")
                .endMetadata()
                .withNewSpec()
                .withGroup("example.com")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("Widget")
                .withPlural("widgets")
                .withSingular("widget")
                .endNames()
                .addNewVersion()
                .withName("v1")
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .withNewSubresources()
                .withNewScale()
                .withSpecReplicasPath(".spec.replicas")
                .withStatusReplicasPath(".status.replicas")
                .endScale()
                .endSubresources()
                .endVersion()
                .endSpec()
                .build())
        .createOr(c -> c.update());
    var widget = new GenericKubernetesResource();
    widget.setApiVersion("example.com/v1");
    widget.setKind("Widget");
    widget.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("w1").build());
    widget.setAdditionalProperty("spec", Map.of("replicas", 2));
    client
        .genericKubernetesResources(WIDGETS)
        .inNamespace("default")
        .resource(widget)
        .createOr(w -> w.update());
  }

  static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("example.com")
          .withVersion("v1")
          .withKind("Widget")
          .withPlural("widgets")
          .withNamespaced(true)
          .build();

  static int widgetReplicas() {
    Object spec =
        client
            .genericKubernetesResources(WIDGETS)
            .inNamespace("default")
            .withName("w1")
            .get()
            .getAdditionalProperties()
            .get("spec");
    return ((Number) ((Map<?, ?>) spec).get("replicas")).intValue();
  }

  @Test
  void aCustomKindIsScaledThroughItsScaleSubresourceWhenThisInstallMayScaleIt() throws Exception {
    installWidgets();
    RouteSpec r = route("widget", new ScaleTarget("example.com/v1", "Widget", "w1"));
    var scaler =
        new KubernetesBackendScaler(
            client,
            ScaleKinds.parse("apps/v1/Deployment=deployments,example.com/v1/Widget=widgets"));
    assertThat(scaler.replicas(r)).isEqualTo(2);
    scaler.scaleTo(r, 0);
    assertThat(widgetReplicas()).isZero();
    scaler.scaleTo(r, 1);
    assertThat(widgetReplicas()).isEqualTo(1);

    // Not among the kinds this install may scale: refused before any request, saying why.
    assertThatThrownBy(() -> new KubernetesBackendScaler(client).scaleTo(r, 3))
        .hasMessageContaining(
            "cannot scale Widget default/w1: this install may scale only apps/Deployment, "
                + "apps/StatefulSet (--scale-kinds)");
    assertThat(widgetReplicas()).isEqualTo(1);
  }
}
