package io.flycast.control;

import static io.flycast.control.ExposedServiceIT.condition;
import static io.flycast.control.ExposedServiceIT.exposed;
import static io.flycast.control.ExposedServiceIT.get;
import static io.flycast.control.ExposedServiceIT.port;
import static io.flycast.control.ExposedServiceIT.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.ExposedService;
import io.flycast.api.HandlerName;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Handler;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.reconcile.ServiceReconciler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Objects the Java model cannot read as written (a newer CRD version's enum value, an object stored
 * before the schema validated it): each is reported on itself, Valid=False and a Warning Event
 * naming the field and what it accepts, and stops nothing else, neither the process nor any other
 * route.
 */
class UnreadableObjectsIT extends EmbeddedControlPlane {
  static final ResourceDefinitionContext EXPOSED_SERVICES =
      new ResourceDefinitionContext.Builder()
          .withGroup(ExposedService.GROUP)
          .withVersion(ExposedService.VERSION)
          .withKind(ExposedService.KIND)
          .withPlural("exposedservices")
          .withNamespaced(true)
          .build();

  /** Creates an ExposedService from YAML as a generic object, past the Java model. */
  static void createRaw(String ns, String name, String specYaml) {
    String yaml =
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata:
          namespace: %s
          name: %s
        spec:
        %s\
        """
            .formatted(ns, name, specYaml.indent(2));
    // The embedded API validates as a real one does: these are stored past it, as etcd holds
    // objects written before the schema checked them.
    api.storeUnchecked(
        () ->
            client
                .genericKubernetesResources(EXPOSED_SERVICES)
                .inNamespace(ns)
                .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class))
                .create());
  }

  static GenericKubernetesResource raw(String ns, String name) {
    return client.genericKubernetesResources(EXPOSED_SERVICES).inNamespace(ns).withName(name).get();
  }

  static Route route(String ns, String name) {
    return flycast.catalog().current().route(new RouteKey(ns, name));
  }

  static void namespace(String ns) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .createOr(n -> n.update());
  }

  /** Valid=False saying exactly {@code problems}, and a Warning Event saying each. */
  static void assertUnreadable(String ns, String name, String... problems) {
    Condition valid = condition(get(ns, name), "Valid");
    assertThat(valid.getStatus()).as("Valid of %s", name).isEqualTo("False");
    assertThat(valid.getReason()).isEqualTo("InvalidSpec");
    assertThat(valid.getMessage()).isEqualTo(String.join("; ", problems));
    assertThat(warnings(ns, name)).containsExactlyInAnyOrder(problems);
  }

  static void assertRoutable(String ns, String name) {
    ExposedService es = get(ns, name);
    Condition valid = condition(es, "Valid");
    assertThat(valid.getStatus()).as("Valid of %s: %s", name, valid.getMessage()).isEqualTo("True");
    assertThat(condition(es, "Synced").getStatus()).as("Synced of %s", name).isEqualTo("True");
    // No workload in these tests: Ready says so (NoWorkload), but never that it is not routed.
    assertThat(condition(es, "Ready").getReason())
        .as("Ready of %s", name)
        .isNotEqualTo("NotRouted");
    assertThat(route(ns, name).spec().port(80).handlers()).containsExactly(Handler.HTTP);
  }

  @Test
  void anObjectTheModelCannotReadIsReportedOnItselfAndStopsNothingElse() {
    String ns = "skew";
    namespace(ns);
    client
        .resources(ExposedService.class)
        .inNamespace(ns)
        .resource(exposed(ns, "good", port(80, HandlerName.HTTP)))
        .create();
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertRoutable(ns, "good"));

    String common =
        """
        selector: {app: web}
        internalPort: 8080
        """;
    createRaw(ns, "handler", common + "ports: [{port: 80, handlers: [htttp]}]\n");
    createRaw(
        ns,
        "autostop",
        common + "autoStopMachines: sometimes\nports: [{port: 80, handlers: [http]}]\n");
    createRaw(
        ns,
        "port",
        common + "ports: [{port: eighty, handlers: [http]}, {port: 81, handlers: [http]}]\n");
    createRaw(ns, "noport", common + "ports: [{port: eighty}]\n");
    // The kubectl-expose path next to them, with annotation values it cannot read either.
    client
        .services()
        .inNamespace(ns)
        .resource(
            Fixtures.service(
                ns,
                "annotated",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.CONCURRENCY_SOFT,
                    "lots")))
        .create();
    // Created after them: the watches still deliver, the reconciler still runs.
    client
        .resources(ExposedService.class)
        .inNamespace(ns)
        .resource(exposed(ns, "later", port(80, HandlerName.HTTP)))
        .create();

    String handlerProblem =
        "spec.ports[0].handlers[0]: 'htttp' is not one of tls, http, proxy_proto, pg_tls; ignored";
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertRoutable(ns, "good");
              assertRoutable(ns, "later");

              assertUnreadable(ns, "handler", handlerProblem);
              assertUnreadable(
                  ns,
                  "autostop",
                  "spec.autoStopMachines: 'sometimes' is not one of off, stop, suspend; ignored");
              assertUnreadable(
                  ns, "port", "spec.ports[0].port: 'eighty' is not an integer; ignored");

              // What could be read is routed: the unreadable value counts as unset.
              assertThat(route(ns, "handler").spec().port(80).handlers()).isEmpty();
              assertThat(route(ns, "autostop").spec().autoscale().autostop())
                  .isEqualTo(AutostopMode.OFF);
              assertThat(route(ns, "autostop").spec().port(80).handlers())
                  .containsExactly(Handler.HTTP);
              assertThat(route(ns, "port").spec().ports())
                  .extracting(p -> p.port())
                  .containsExactly(81);
              assertThat(condition(get(ns, "port"), "Synced").getStatus()).isEqualTo("True");
              assertThat(
                      client.services().inNamespace(ns).withName("port").get().getSpec().getPorts())
                  .extracting(p -> p.getPort())
                  .containsExactly(81);
              // No port to give its Service (which the API would refuse): none, and the status is
              // written.
              assertUnreadable(
                  ns, "noport", "spec.ports[0].port: 'eighty' is not an integer; ignored");
              assertThat(client.services().inNamespace(ns).withName("noport").get()).isNull();

              Service annotated = client.services().inNamespace(ns).withName("annotated").get();
              assertThat(annotated.getStatus().getConditions())
                  .anyMatch(
                      c ->
                          ServiceReconciler.VALID.equals(c.getType())
                              && "False".equals(c.getStatus())
                              && c.getMessage().contains("lots"));
              assertThat(Fixtures.route(flycast.catalog().current(), ns, "annotated")).isNotNull();
            });
    // Writing the status left the user's spec as it was.
    assertThat(raw(ns, "handler").get("spec", "ports", 0, "handlers", 0).toString())
        .isEqualTo("htttp");
    assertThat(raw(ns, "port").get("spec", "ports", 0, "port").toString()).isEqualTo("eighty");

    // Fixed: valid and routed as written.
    client
        .genericKubernetesResources(EXPOSED_SERVICES)
        .inNamespace(ns)
        .withName("handler")
        .patch(
            PatchContext.of(PatchType.JSON),
            "[{\"op\":\"replace\",\"path\":\"/spec/ports/0/handlers/0\",\"value\":\"http\"}]");
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertRoutable(ns, "handler"));
  }

  @Test
  void aProcessStartingWithUnreadableObjectsInTheApiStarts() throws Exception {
    String ns = "restart";
    namespace(ns);
    client
        .resources(ExposedService.class)
        .inNamespace(ns)
        .resource(exposed(ns, "good", port(80, HandlerName.HTTP)))
        .create();
    createRaw(
        ns,
        "bad",
        """
        selector: {app: web}
        internalPort: http
        ports: [{port: 80, handlers: [http, h3]}]
        checks: [{type: grpc}]
        """);
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertRoutable(ns, "good");
              assertUnreadable(
                  ns,
                  "bad",
                  "spec.internalPort: 'http' is not an integer; ignored",
                  "spec.ports[0].handlers[1]: 'h3' is not one of tls, http, proxy_proto, pg_tls;"
                      + " ignored",
                  "spec.checks[0].type: 'grpc' is not one of tcp, http; ignored");
            });

    // Another replica starting now lists them all at once.
    try (Flycast second = new Flycast(FlycastConfig.forTests(false), client).start()) {
      assertThat(second.isReady()).isTrue();
      assertThat(second.catalog().current().route(new RouteKey(ns, "good"))).isNotNull();
      assertThat(
              second.catalog().current().route(new RouteKey(ns, "bad")).spec().port(80).handlers())
          .containsExactly(Handler.HTTP);
    }
    assertThat(List.of(flycast.isReady())).containsExactly(true);
  }
}
