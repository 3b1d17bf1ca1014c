package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side apply ({@code application/apply-patch+yaml}, helm 4's default and {@code kubectl
 * apply --server-side}), as far as one manager a field needs: the applied configuration creates the
 * object or is merged into it (lists by their merge keys for built-in types, replaced for custom
 * resources), and a field this manager applied before and left out now is removed. Each manager's
 * last configuration is kept per object; conflicts between managers are not tracked.
 */
final class ServerSideApply {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final Map<String, JsonNode> lastApplied = new ConcurrentHashMap<>();

  static ObjectNode read(byte[] body) throws IOException {
    JsonNode n = YAML.readTree(body);
    if (!(n instanceof ObjectNode o)) {
      throw new IOException("the applied configuration is not an object");
    }
    return o;
  }

  /** The object after {@code manager} applies {@code config} to {@code current}. */
  ObjectNode merge(String key, String manager, JsonNode current, ObjectNode config, boolean custom)
      throws Patches.PatchException {
    ObjectNode result = ((ObjectNode) current).deepCopy();
    JsonNode last = lastApplied.get(key + "|" + manager);
    if (last != null) {
      removeDropped(result, last, config);
    }
    JsonNode merged =
        custom
            ? Patches.mergePatch(result, config)
            : StrategicMerge.apply(result, config.deepCopy());
    return (ObjectNode) merged;
  }

  void remember(String key, String manager, ObjectNode config) {
    lastApplied.put(key + "|" + manager, config.deepCopy());
  }

  void forget(String key) {
    lastApplied.keySet().removeIf(k -> k.startsWith(key + "|"));
  }

  /** Removes from {@code target} the fields {@code before} set and {@code now} leaves out. */
  private static void removeDropped(ObjectNode target, JsonNode before, JsonNode now) {
    List<String> gone = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = before.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode next = now.get(name);
      if (next == null) {
        gone.add(name);
      } else if (e.getValue().isObject()
          && next.isObject()
          && target.get(name) instanceof ObjectNode sub) {
        removeDropped(sub, e.getValue(), next);
      }
    }
    target.remove(gone);
  }
}
