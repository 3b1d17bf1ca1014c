package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flycast.embedded.EmbeddedApiDispatcher.BadRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * A list's {@code fieldSelector}, applied here because the store matches only a few fields and
 * answers an empty list for the rest: {@code kubectl describe} finds an object's Events with {@code
 * involvedObject.name=...,involvedObject.namespace=...,involvedObject.kind=...,involvedObject.uid=...}.
 * Each requirement is {@code field=value}, {@code field==value} or {@code field!=value}, the field
 * a dotted path into the object; a field the object lacks reads as empty, as on the real server.
 */
final class FieldSelectors {
  private record Requirement(List<String> path, boolean equal, String value) {}

  private FieldSelectors() {}

  /** {@code list} with only the items that {@code selector} selects. */
  static ObjectNode filter(ObjectNode list, String selector) throws BadRequest {
    List<Requirement> requirements = parse(selector);
    ArrayNode kept = list.arrayNode();
    for (JsonNode item : list.path("items")) {
      if (requirements.stream().allMatch(r -> matches(r, item))) {
        kept.add(item);
      }
    }
    ObjectNode out = list.deepCopy();
    out.set("items", kept);
    return out;
  }

  private static List<Requirement> parse(String selector) throws BadRequest {
    List<Requirement> out = new ArrayList<>();
    for (String term : selector.split(",")) {
      String t = term.strip();
      if (t.isEmpty()) {
        continue;
      }
      int ne = t.indexOf("!=");
      int eq = t.indexOf('=');
      if (ne > 0) {
        out.add(
            new Requirement(List.of(t.substring(0, ne).split("\\.")), false, t.substring(ne + 2)));
      } else if (eq > 0) {
        String value = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1);
        out.add(new Requirement(List.of(t.substring(0, eq).split("\\.")), true, value));
      } else {
        throw new BadRequest(
            400,
            "BadRequest",
            "unable to parse requirement: invalid selector: '"
                + selector
                + "'; can't understand '"
                + t
                + "'");
      }
    }
    return out;
  }

  private static boolean matches(Requirement r, JsonNode item) {
    JsonNode v = item;
    for (String p : r.path()) {
      v = v.path(p);
    }
    String actual = v.isValueNode() ? v.asText() : "";
    return actual.equals(r.value()) == r.equal();
  }
}
