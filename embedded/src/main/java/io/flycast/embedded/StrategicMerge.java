package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch for the built-in types served here: lists with a patch merge key
 * (containers by name, container ports by containerPort, Service ports by port, ...) are merged
 * element by element, other lists are replaced; the directives {@code $patch}, {@code $retainKeys},
 * {@code $setElementOrder} and {@code $deleteFromPrimitiveList} are honoured. The keys are the
 * {@code x-kubernetes-patch-merge-key}s of Kubernetes' published OpenAPI for these fields.
 */
final class StrategicMerge {
  /** Field name → merge key; "ports" is decided by its elements (containerPort or port). */
  private static final Map<String, String> MERGE_KEYS =
      Map.ofEntries(
          Map.entry("containers", "name"),
          Map.entry("initContainers", "name"),
          Map.entry("ephemeralContainers", "name"),
          Map.entry("env", "name"),
          Map.entry("volumes", "name"),
          Map.entry("volumeMounts", "mountPath"),
          Map.entry("volumeDevices", "devicePath"),
          Map.entry("imagePullSecrets", "name"),
          Map.entry("conditions", "type"),
          Map.entry("ownerReferences", "uid"),
          Map.entry("hostAliases", "ip"),
          Map.entry("topologySpreadConstraints", "topologyKey"),
          Map.entry("resourceClaims", "name"));

  /** Lists of strings merged as sets. */
  private static final Set<String> MERGED_PRIMITIVE_LISTS = Set.of("finalizers");

  private static final String DELETE_FROM = "$deleteFromPrimitiveList/";
  private static final String ELEMENT_ORDER = "$setElementOrder/";

  private StrategicMerge() {}

  static ObjectNode apply(ObjectNode target, ObjectNode patch) {
    JsonNode directive = patch.get("$patch");
    if (directive != null && "replace".equals(directive.asText())) {
      ObjectNode replaced = patch.deepCopy();
      replaced.remove("$patch");
      return replaced;
    }
    JsonNode retain = patch.get("$retainKeys");
    Map<String, JsonNode> order = new java.util.HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (key.startsWith(ELEMENT_ORDER)) {
        order.put(key.substring(ELEMENT_ORDER.length()), value);
      } else if (key.startsWith(DELETE_FROM)) {
        String field = key.substring(DELETE_FROM.length());
        if (target.get(field) instanceof ArrayNode list) {
          Set<JsonNode> gone = new HashSet<>();
          value.forEach(gone::add);
          ArrayNode kept = list.arrayNode();
          list.forEach(
              v -> {
                if (!gone.contains(v)) {
                  kept.add(v);
                }
              });
          target.set(field, kept);
        }
      } else if (key.startsWith("$")) {
        // $patch and $retainKeys: read above.
      } else if (value.isNull()) {
        target.remove(key);
      } else if (value.isObject()) {
        JsonNode p = value.get("$patch");
        if (p != null && "delete".equals(p.asText())) {
          target.remove(key);
        } else if (target.get(key) instanceof ObjectNode existing) {
          target.set(key, apply(existing, (ObjectNode) value));
        } else {
          target.set(key, apply(target.objectNode(), (ObjectNode) value));
        }
      } else if (value.isArray()) {
        target.set(key, mergeList(key, target.get(key), (ArrayNode) value));
      } else {
        target.set(key, value.deepCopy());
      }
    }
    order.forEach(
        (field, wanted) -> {
          if (target.get(field) instanceof ArrayNode list) {
            target.set(field, reorder(list, wanted));
          }
        });
    if (retain != null && retain.isArray()) {
      Set<String> keep = new HashSet<>();
      retain.forEach(k -> keep.add(k.asText()));
      List<String> drop = new ArrayList<>();
      target
          .fieldNames()
          .forEachRemaining(
              n -> {
                if (!keep.contains(n)) {
                  drop.add(n);
                }
              });
      target.remove(drop);
    }
    return target;
  }

  private static ArrayNode mergeList(String field, JsonNode current, ArrayNode patch) {
    String key = mergeKey(field, patch, current);
    if (MERGED_PRIMITIVE_LISTS.contains(field)) {
      ArrayNode out = current instanceof ArrayNode a ? a.deepCopy() : patch.arrayNode();
      Set<JsonNode> seen = new HashSet<>();
      out.forEach(seen::add);
      patch.forEach(
          v -> {
            if (seen.add(v)) {
              out.add(v);
            }
          });
      return out;
    }
    if (key == null || !(current instanceof ArrayNode existing)) {
      ArrayNode out = patch.arrayNode();
      patch.forEach(
          v -> {
            if (!(v.isObject() && v.has("$patch"))) {
              out.add(v.isObject() ? apply(patch.objectNode(), (ObjectNode) v) : v);
            }
          });
      return out;
    }
    List<JsonNode> out = new ArrayList<>();
    existing.forEach(v -> out.add(v.deepCopy()));
    for (JsonNode p : patch) {
      if (!p.isObject()) {
        continue;
      }
      JsonNode id = p.get(key);
      int at = indexOf(out, key, id);
      JsonNode directive = p.get("$patch");
      if (directive != null && "delete".equals(directive.asText())) {
        if (at >= 0) {
          out.remove(at);
        }
      } else if (at >= 0 && out.get(at) instanceof ObjectNode o) {
        out.set(at, apply(o, (ObjectNode) p));
      } else {
        out.add(apply(((ObjectNode) p).objectNode(), (ObjectNode) p));
      }
    }
    ArrayNode result = patch.arrayNode();
    out.forEach(result::add);
    return result;
  }

  private static String mergeKey(String field, ArrayNode patch, JsonNode current) {
    if ("ports".equals(field)) {
      JsonNode sample = patch.isEmpty() ? (current == null ? null : current.get(0)) : patch.get(0);
      if (sample == null) {
        return null;
      }
      return sample.has("containerPort") ? "containerPort" : sample.has("port") ? "port" : null;
    }
    return MERGE_KEYS.get(field);
  }

  private static int indexOf(List<JsonNode> list, String key, JsonNode id) {
    for (int i = 0; i < list.size(); i++) {
      if (id != null && id.equals(list.get(i).get(key))) {
        return i;
      }
    }
    return -1;
  }

  /** {@code $setElementOrder}: the listed elements first, in the patch's order. */
  private static ArrayNode reorder(ArrayNode list, JsonNode wanted) {
    ArrayNode out = list.arrayNode();
    List<JsonNode> rest = new ArrayList<>();
    list.forEach(rest::add);
    for (JsonNode w : wanted) {
      String key = w.isObject() ? firstField(w) : null;
      for (Iterator<JsonNode> it = rest.iterator(); it.hasNext(); ) {
        JsonNode v = it.next();
        boolean same = key == null ? v.equals(w) : w.get(key).equals(v.get(key));
        if (same) {
          out.add(v);
          it.remove();
          break;
        }
      }
    }
    rest.forEach(out::add);
    return out;
  }

  private static String firstField(JsonNode o) {
    Iterator<String> names = o.fieldNames();
    return names.hasNext() ? names.next() : null;
  }
}
