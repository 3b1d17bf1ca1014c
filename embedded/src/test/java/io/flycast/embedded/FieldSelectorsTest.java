package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The field selectors kubectl sends, as the real server applies them. */
class FieldSelectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> names(ObjectNode list) {
    List<String> out = new ArrayList<>();
    list.path("items").forEach(i -> out.add(i.path("metadata").path("name").asText()));
    return out;
  }

  @Test
  void describesEventQuerySelectsOneObjectsEvents() throws Exception {
    ObjectNode events =
        (ObjectNode)
            JSON.readTree(
                """
                {"kind":"EventList","items":[
                  {"metadata":{"name":"a"},"type":"Warning",
                   "involvedObject":{"kind":"ExposedService","name":"web","namespace":"default","uid":"u1"}},
                  {"metadata":{"name":"b"},"type":"Normal",
                   "involvedObject":{"kind":"ExposedService","name":"web","namespace":"default","uid":"u0"}},
                  {"metadata":{"name":"c"},"type":"Warning",
                   "involvedObject":{"kind":"Service","name":"web","namespace":"default"}}]}
                """);
    assertThat(
            names(
                FieldSelectors.filter(
                    events,
                    "involvedObject.name=web,involvedObject.namespace=default,"
                        + "involvedObject.kind=ExposedService,involvedObject.uid=u1")))
        .containsExactly("a");
    assertThat(names(FieldSelectors.filter(events, "type!=Normal"))).containsExactly("a", "c");
    assertThat(names(FieldSelectors.filter(events, "involvedObject.uid==")))
        .as("a field the object lacks reads as empty")
        .containsExactly("c");
  }

  @Test
  void aSelectorWithoutAnOperatorIsABadRequest() {
    assertThatThrownBy(() -> FieldSelectors.filter(JSON.createObjectNode(), "involvedObject.name"))
        .isInstanceOf(EmbeddedApiDispatcher.BadRequest.class)
        .hasMessageContaining("can't understand 'involvedObject.name'");
  }
}
