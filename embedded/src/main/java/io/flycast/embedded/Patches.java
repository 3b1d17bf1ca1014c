package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.util.Iterator;
import java.util.Map;

/**
 * The patch types of {@code PATCH} requests, with the real server's semantics: JSON Patch (RFC
 * 6902), JSON Merge Patch (RFC 7386: a list in the patch replaces the list) and strategic merge
 * ({@link StrategicMerge}: lists merged by their patch merge keys).
 */
final class Patches {
  static final String JSON_PATCH = "application/json-patch+json";
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final String APPLY_PATCH = "application/apply-patch+yaml";

  /** A patch that cannot be applied: the message says why (answered with 422 or 400). */
  static final class PatchException extends Exception {
    private static final long serialVersionUID = 1L;

    PatchException(String message) {
      super(message);
    }
  }

  private Patches() {}

  /** The object {@code current} becomes with {@code patch} of {@code contentType} applied. */
  static JsonNode apply(String contentType, JsonNode current, JsonNode patch)
      throws PatchException {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].strip();
    switch (type) {
      case JSON_PATCH -> {
        if (!patch.isArray()) {
          throw new PatchException("a JSON patch must be a list of operations");
        }
        try {
          return JsonPatch.apply(patch, current);
        } catch (JsonPatchException | IllegalArgumentException e) {
          throw new PatchException("the JSON patch cannot be applied: " + e.getMessage());
        }
      }
      case MERGE_PATCH -> {
        return mergePatch(current, patch);
      }
      case STRATEGIC_MERGE_PATCH -> {
        if (!patch.isObject()) {
          throw new PatchException("a strategic merge patch must be an object");
        }
        return StrategicMerge.apply((ObjectNode) current.deepCopy(), (ObjectNode) patch);
      }
      default -> throw new PatchException("unsupported patch type " + contentType);
    }
  }

  /** RFC 7386: objects merged key by key, null removes, anything else (lists too) replaces. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode out =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        out.remove(e.getKey());
      } else {
        out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
      }
    }
    return out;
  }
}
