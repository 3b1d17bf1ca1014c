package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** A watch event's object, as kubectl get -w (a Table row) or a client library (as stored) asks. */
class ReadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTableWatchGetsOneRowAndAPlainWatchTheObject() throws Exception {
    // Built-in kinds never consult the store for a CRD.
    Reads reads = new Reads(new CustomResources(null));
    ResourcePath deployments =
        ResourcePath.parse("/apis/apps/v1/namespaces/default/deployments").orElseThrow();
    JsonNode deployment =
        JSON.readTree(
            """
            {"kind":"Deployment","metadata":{"name":"web","namespace":"default"},
             "spec":{"replicas":2},"status":{"readyReplicas":1,"updatedReplicas":2}}
            """);
    JsonNode row =
        reads.watchObject(
            deployment,
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            deployments);
    assertThat(row.path("kind").asText()).isEqualTo("Table");
    assertThat(row.path("rows")).hasSize(1);
    assertThat(row.path("rows").get(0).path("cells").get(1).asText()).isEqualTo("1/2");
    assertThat(reads.watchObject(deployment, "application/json", deployments)).isSameAs(deployment);
  }
}
