package io.flycast.embedded.table;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The cells kubectl prints as a cluster's server writes them: ages, a CRD's JSONPath columns with
 * filters, and which Accept headers ask for a Table.
 */
class TablesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void agesReadAsTheServerWritesThem() {
    assertThat(Cells.humanDuration(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Cells.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Cells.humanDuration(Duration.ofSeconds(190))).isEqualTo("3m10s");
    assertThat(Cells.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(Cells.humanDuration(Duration.ofMinutes(5 * 60 + 2))).isEqualTo("5h2m");
    assertThat(Cells.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(Cells.humanDuration(Duration.ofHours(3 * 24 + 4))).isEqualTo("3d4h");
    assertThat(Cells.humanDuration(Duration.ofDays(40))).isEqualTo("40d");
    assertThat(Cells.humanDuration(Duration.ofDays(3 * 365 + 10))).isEqualTo("3y10d");
  }

  @Test
  void printerColumnsFollowKubectlsJsonPath() throws Exception {
    JsonNode crdVersion =
        JSON.readTree(
            """
            {"name":"v1","additionalPrinterColumns":[
              {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\\"Ready\\")].status"},
              {"name":"Ports","type":"string","jsonPath":".spec.ports[*].port"},
              {"name":"Tags","type":"string","jsonPath":".spec.tags","priority":1},
              {"name":"Sync","type":"integer","jsonPath":".status.syncVersion"},
              {"name":"Missing","type":"string","jsonPath":".status.nothing"},
              {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}
            """);
    JsonNode object =
        JSON.readTree(
            """
            {"metadata":{"name":"web","namespace":"default","creationTimestamp":"2026-01-01T00:00:00Z"},
             "spec":{"ports":[{"port":80},{"port":443}],"tags":{"a":"b"}},
             "status":{"syncVersion":7,"conditions":[
               {"type":"Valid","status":"False"},{"type":"Ready","status":"True"}]}}
            """);
    JsonNode table =
        Tables.table(
            object,
            "fly.io",
            "things",
            Optional.of(crdVersion),
            null,
            "v1",
            Instant.parse("2026-01-01T00:03:10Z"));
    assertThat(table.path("columnDefinitions").get(3).path("priority").asInt()).isEqualTo(1);
    assertThat(table.path("rows").get(0).path("cells").toString())
        .isEqualTo("[\"web\",\"True\",\"80\",\"{\\\"a\\\":\\\"b\\\"}\",7,null,\"3m10s\"]");
    assertThat(table.path("rows").get(0).path("object").path("kind").asText())
        .isEqualTo("PartialObjectMetadata");
  }

  @Test
  void onlyATableAcceptGetsATable() {
    assertThat(
            Tables.requested(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"))
        .contains("v1");
    assertThat(Tables.requested("application/json;as=Table;v=v1beta1;g=meta.k8s.io"))
        .contains("v1beta1");
    assertThat(Tables.requested("application/json")).isEmpty();
    assertThat(Tables.requested(null)).isEmpty();
    assertThat(Tables.requested("application/vnd.kubernetes.protobuf,application/json")).isEmpty();
  }
}
