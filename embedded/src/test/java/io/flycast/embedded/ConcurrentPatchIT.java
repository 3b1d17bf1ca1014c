package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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
}
