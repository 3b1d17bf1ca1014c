package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A patch that names no resourceVersion is applied to the object as it is when stored, as the real
 * server's GuaranteedUpdate does: another client writing the same object all the while (an operator
 * writing status as the user runs kubectl patch, edit or apply) costs it no 409.
 */
class ConcurrentPatchIT {
  private static EmbeddedApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void patchesWithoutAVersionNeverConflictWithOtherWriters() throws Exception {
    client
        .configMaps()
        .inNamespace("default")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("busy")
                .endMetadata()
                .addToData("writes", "0")
                .build())
        .create();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger otherWrites = new AtomicInteger();
    Thread other =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    try {
                      client
                          .configMaps()
                          .inNamespace("default")
                          .withName("busy")
                          .edit(
                              cm -> {
                                cm.getData().put("writes", "" + otherWrites.incrementAndGet());
                                return cm;
                              });
                    } catch (KubernetesClientException e) {
                      // the other writer's own conflicts are not what this test is about
                    }
                  }
                });
    try {
      for (int i = 0; i < 100; i++) {
        client
            .configMaps()
            .inNamespace("default")
            .withName("busy")
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"patch\":\"" + i + "\"}}");
      }
    } finally {
      done.set(true);
      other.join();
    }
    assertThat(otherWrites.get()).as("the other writer was writing all along").isGreaterThan(10);
    assertThat(client.configMaps().inNamespace("default").withName("busy").get().getData())
        .containsEntry("patch", "99");
  }

  @Test
  void aPatchThatPinsAStaleVersionStillGetsItsConflict() {
    var cm =
        client
            .configMaps()
            .inNamespace("default")
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("pinned")
                    .endMetadata()
                    .addToData("k", "v")
                    .build())
            .create();
    String stale = cm.getMetadata().getResourceVersion();
    client
        .configMaps()
        .inNamespace("default")
        .withName("pinned")
        .edit(
            c -> {
              c.getData().put("k", "w");
              return c;
            });
    var error =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                client
                    .configMaps()
                    .inNamespace("default")
                    .withName("pinned")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\""
                            + stale
                            + "\"},\"data\":{\"k\":\"x\"}}"));
    assertThat(error.getCode()).isEqualTo(409);
  }

  @Test
  void aStatusWriteWithAStaleVersionIsAConflict() {
    Service created = client.services().inNamespace("default").resource(service("stale")).create();
    client
        .services()
        .inNamespace("default")
        .withName("stale")
        .editStatus(s -> withCondition(s, "example.com/First"));
    withCondition(created, "example.com/Second");
    var error =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            KubernetesClientException.class,
            () -> client.services().inNamespace("default").resource(created).updateStatus());
    assertThat(error.getCode()).isEqualTo(409);
    assertThat(error.getStatus().getMessage())
        .isEqualTo(
            "Operation cannot be fulfilled on services \"stale\": the object has been modified;"
                + " please apply your changes to the latest version and try again");
    assertThat(conditionTypes("stale")).containsExactly("example.com/First");
  }

  /**
   * Two controllers that each read the Service, add their own condition to the ones they read and
   * write it back with the version they read (as the operator and any other controller do) lose
   * nothing: a write based on an old read is refused, and the writer reads again.
   */
  @Test
  void controllersWritingTheirOwnConditionsLoseNone() throws Exception {
    client.services().inNamespace("default").resource(service("shared")).create();
    int each = 15;
    List<Thread> writers = new ArrayList<>();
    for (String who : List.of("a", "b")) {
      writers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      String type = "example.com/" + who + i;
                      while (true) {
                        try {
                          client
                              .services()
                              .inNamespace("default")
                              .withName("shared")
                              .editStatus(s -> withCondition(s, type));
                          break;
                        } catch (KubernetesClientException e) {
                          if (e.getCode() != 409) {
                            throw e;
                          }
                        }
                      }
                    }
                  }));
    }
    for (Thread t : writers) {
      t.join();
    }
    assertThat(conditionTypes("shared")).hasSize(2 * each);
  }

  /**
   * Two replicas that each read a workload's Scale and write back the count they decided on: the
   * one that read before the other's write gets a 409 and decides again, as on a real server,
   * rather than undoing the other's decision.
   */
  @Test
  void aScaleWriteWithAStaleVersionIsAConflict() {
    client
        .apps()
        .deployments()
        .inNamespace("default")
        .resource(
            io.flycast.embedded.runtime.Workloads.deployment("default", "scaled", 1, Map.of())
                .build())
        .create();
    var scale = client.apps().deployments().inNamespace("default").withName("scaled");
    var first = scale.scale();
    var second = scale.scale();
    second.getSpec().setReplicas(2);
    scale.scale(second);
    first.getSpec().setReplicas(3);
    var error =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            KubernetesClientException.class, () -> scale.scale(first));
    assertThat(error.getCode()).isEqualTo(409);
    assertThat(error.getStatus().getMessage())
        .startsWith("Operation cannot be fulfilled on deployments.apps \"scaled\"");
    assertThat(scale.get().getSpec().getReplicas()).isEqualTo(2);
  }

  private static Service service(String name) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .addNewPort()
        .withPort(80)
        .endPort()
        .endSpec()
        .build();
  }

  private static Service withCondition(Service s, String type) {
    if (s.getStatus() == null) {
      s.setStatus(new ServiceStatus());
    }
    List<Condition> conditions = new ArrayList<>(s.getStatus().getConditions());
    conditions.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus("True")
            .withReason("Checked")
            .withMessage("by " + type)
            .withLastTransitionTime("2026-01-01T00:00:00Z")
            .build());
    s.getStatus().setConditions(conditions);
    return s;
  }

  private static List<String> conditionTypes(String name) {
    return client
        .services()
        .inNamespace("default")
        .withName(name)
        .get()
        .getStatus()
        .getConditions()
        .stream()
        .map(Condition::getType)
        .toList();
  }
}
