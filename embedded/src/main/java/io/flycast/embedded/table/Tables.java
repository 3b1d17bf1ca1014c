package io.flycast.embedded.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code meta.k8s.io} Table the API server answers when a client asks for one in its Accept
 * header ({@code kubectl get} does: {@code application/json;as=Table;v=v1;g=meta.k8s.io,...}):
 * column definitions and one row per object, each row's {@code object} the object's metadata as a
 * PartialObjectMetadata ({@code includeObject=Metadata}, the default), the whole object ({@code
 * Object}) or nothing ({@code None}). Built-in kinds get the columns Kubernetes' printers give
 * them, custom resources their CRD's printer columns, any other kind NAME and CREATED AT.
 */
public final class Tables {
  private static final JsonNodeFactory N = JsonNodeFactory.instance;

  private Tables() {}

  /**
   * The Table version the Accept header asks for first ({@code v1} or {@code v1beta1}), or empty
   * when it asks for plain objects ({@code -o yaml}, {@code -o json}, every client library).
   */
  public static Optional<String> requested(String accept) {
    if (accept == null) {
      return Optional.empty();
    }
    for (String type : accept.split(",")) {
      String[] parts = type.split(";");
      if (!parts[0].strip().equals("application/json")) {
        continue;
      }
      String as = null;
      String version = null;
      String group = null;
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].strip().split("=", 2);
        if (kv.length == 2) {
          switch (kv[0]) {
            case "as" -> as = kv[1];
            case "v" -> version = kv[1];
            case "g" -> group = kv[1];
            default -> {}
          }
        }
      }
      if (as == null) {
        return Optional.empty();
      }
      if (as.equals("Table")
          && "meta.k8s.io".equals(group)
          && ("v1".equals(version) || "v1beta1".equals(version))) {
        return Optional.of(version);
      }
    }
    return Optional.empty();
  }

  /**
   * The Table of {@code answer} (a list, or one object) of {@code plural} in {@code group}; {@code
   * crdVersion} is the CRD's served version entry for a custom resource.
   */
  public static ObjectNode table(
      JsonNode answer,
      String group,
      String plural,
      Optional<JsonNode> crdVersion,
      String includeObject,
      String tableVersion,
      Instant now) {
    Printer printer = crdVersion.map(CustomColumns::of).orElseGet(() -> builtIn(group, plural));
    String metaApiVersion = "meta.k8s.io/" + tableVersion;
    ObjectNode table = N.objectNode();
    table.put("kind", "Table").put("apiVersion", metaApiVersion);
    ObjectNode meta = table.putObject("metadata");
    String rv = answer.path("metadata").path("resourceVersion").asText("");
    if (!rv.isEmpty()) {
      meta.put("resourceVersion", rv);
    }
    ArrayNode columns = table.putArray("columnDefinitions");
    for (Printer.Column c : printer.columns()) {
      columns
          .addObject()
          .put("name", c.name())
          .put("type", c.type())
          .put("format", c.format())
          .put("description", c.description())
          .put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = new java.util.ArrayList<>();
    if (answer.has("items")) {
      answer.path("items").forEach(items::add);
    } else {
      items.add(answer);
    }
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Object cell : printer.row().cells(item, now)) {
        switch (cell) {
          case null -> cells.addNull();
          case Long l -> cells.add(l);
          case Double d -> cells.add(d);
          case Boolean b -> cells.add(b);
          default -> cells.add(cell.toString());
        }
      }
      switch (includeObject == null ? "Metadata" : includeObject) {
        case "None" -> {}
        case "Object" -> row.set("object", item);
        default -> {
          ObjectNode partial = row.putObject("object");
          partial.put("kind", "PartialObjectMetadata").put("apiVersion", metaApiVersion);
          partial.set("metadata", item.path("metadata").deepCopy());
        }
      }
    }
    return table;
  }

  private static Printer builtIn(String group, String plural) {
    Printer p = WorkloadColumns.BY_RESOURCE.get(plural);
    if (p == null) {
      p = CoreColumns.BY_RESOURCE.get(plural);
    }
    // Same plural, other group (a CRD's "events" or "services"): the default table.
    boolean builtInGroup = group.isEmpty() || !group.contains(".") || group.endsWith(".k8s.io");
    return p != null && builtInGroup ? p : CoreColumns.DEFAULT;
  }
}
