package io.flycast.embedded.table;

import com.fasterxml.jackson.databind.JsonNode;
import io.flycast.embedded.table.Printer.Column;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A custom resource's table, as the apiextensions server's {@code tableconvertor} builds it from
 * the CRD version's {@code additionalPrinterColumns}: NAME, then each column's JSONPath evaluated
 * on the object (the first result; none is a null cell). A {@code string} column prints the value
 * as kubectl's JSONPath does (maps and lists as JSON), {@code integer}/{@code number}/{@code
 * boolean} keep their JSON type, a {@code date} becomes an age. A CRD without columns gets AGE, as
 * the server defaults it.
 */
final class CustomColumns {
  private CustomColumns() {}

  private static final String DEFAULT_COLUMNS =
      "[{\"name\":\"Age\",\"type\":\"date\",\"jsonPath\":\".metadata.creationTimestamp\"}]";

  /** The printer of a CRD version ({@code spec.versions[]} entry). */
  static Printer of(JsonNode crdVersion) {
    JsonNode defined = crdVersion.path("additionalPrinterColumns");
    if (defined.isEmpty()) {
      try {
        defined = new com.fasterxml.jackson.databind.ObjectMapper().readTree(DEFAULT_COLUMNS);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    List<Column> columns = new ArrayList<>();
    List<KubectlJsonPath> paths = new ArrayList<>();
    columns.add(Column.NAME);
    for (JsonNode c : defined) {
      String path = c.path("jsonPath").asText();
      String description =
          c.path("description").asText("").isEmpty()
              ? "Custom resource definition column (in JSONPath format): " + path
              : c.path("description").asText();
      columns.add(
          new Column(
              c.path("name").asText(),
              c.path("type").asText("string"),
              c.path("format").asText(""),
              c.path("priority").asInt(0),
              description));
      paths.add(KubectlJsonPath.parse(path));
    }
    return new Printer(
        List.copyOf(columns),
        (o, now) -> {
          List<Object> cells = new ArrayList<>();
          cells.add(o.path("metadata").path("name").asText());
          for (int i = 0; i < paths.size(); i++) {
            List<JsonNode> found = paths.get(i).find(o);
            cells.add(
                found.isEmpty() || found.get(0).isNull()
                    ? null
                    : cell(columns.get(i + 1).type(), found.get(0), now));
          }
          return cells;
        });
  }

  private static Object cell(String type, JsonNode value, Instant now) {
    return switch (type) {
      case "string" -> value.isTextual() ? value.asText() : value.toString();
      case "integer" -> value.isNumber() ? (Object) value.asLong() : null;
      case "number" -> value.isNumber() ? (Object) value.asDouble() : null;
      case "boolean" -> value.isBoolean() ? (Object) value.asBoolean() : null;
      case "date" -> value.isTextual() ? Cells.age(value, now) : null;
      default -> null;
    };
  }
}
