package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flycast.embedded.ApiStatus.Cause;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A custom resource checked against its CRD's structural schema, as the API server does on create
 * and update: schema defaults applied first, then unknown fields pruned (or, with {@code
 * fieldValidation=Strict}, refused), then types, enums, required fields and bounds. Each problem is
 * one {@link Cause} with the field path and the message the real server writes.
 */
final class SchemaValidator {
  private final List<Cause> causes = new ArrayList<>();
  private final List<String> unknown = new ArrayList<>();

  private SchemaValidator() {}

  /** The result: what is wrong, and the unknown fields found (pruned from the object). */
  record Result(List<Cause> causes, List<String> unknownFields) {}

  /** Defaults, prunes and validates {@code object} (changed in place) against {@code schema}. */
  static Result check(ObjectNode object, JsonNode schema) {
    SchemaValidator v = new SchemaValidator();
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      String name = p.getKey();
      if (name.equals("metadata") || name.equals("apiVersion") || name.equals("kind")) {
        continue;
      }
      JsonNode sub = p.getValue();
      if (!object.has(name) && sub.has("default")) {
        object.set(name, sub.get("default").deepCopy());
      }
      if (object.has(name)) {
        v.node(object, name, object.get(name), sub, name);
      }
    }
    for (JsonNode r : schema.path("required")) {
      if (!object.has(r.asText())) {
        v.causes.add(new Cause("FieldValueRequired", r.asText(), "Required value"));
      }
    }
    List<String> extra = new ArrayList<>();
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    object
        .fieldNames()
        .forEachRemaining(
            n -> {
              if (!preserve
                  && !schema.path("properties").has(n)
                  && !n.equals("apiVersion")
                  && !n.equals("kind")
                  && !n.equals("metadata")) {
                extra.add(n);
              }
            });
    v.unknown.addAll(extra);
    object.remove(extra);
    return new Result(List.copyOf(v.causes), List.copyOf(v.unknown));
  }

  private void node(ObjectNode parent, String key, JsonNode value, JsonNode schema, String path) {
    if (value.isNull()) {
      if (!schema.path("nullable").asBoolean(false)) {
        parent.remove(key);
      }
      return;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!value.isIntegralNumber() && !value.isTextual()) {
        invalidType(path, value, "integer or string");
      }
      return;
    }
    String type = schema.path("type").asText("");
    boolean ok =
        switch (type) {
          case "object" -> value.isObject();
          case "array" -> value.isArray();
          case "string" -> value.isTextual();
          case "integer" -> value.isIntegralNumber();
          case "number" -> value.isNumber();
          case "boolean" -> value.isBoolean();
          default -> true;
        };
    if (!ok) {
      invalidType(path, value, type);
      return;
    }
    checkEnum(value, schema, path);
    checkBounds(value, schema, path);
    if (value.isObject()) {
      object((ObjectNode) value, schema, path);
    } else if (value.isArray()) {
      JsonNode items = schema.path("items");
      for (int i = 0; i < value.size(); i++) {
        if (!items.isMissingNode()) {
          element(value, i, items, path + "[" + i + "]");
        }
      }
    }
  }

  private void element(JsonNode array, int i, JsonNode schema, String path) {
    JsonNode v = array.get(i);
    if (v.isObject()) {
      checkEnum(v, schema, path);
      object((ObjectNode) v, schema, path);
    } else {
      ObjectNode holder = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      holder.set("v", v);
      node(holder, "v", v, schema, path);
    }
  }

  private void object(ObjectNode o, JsonNode schema, String path) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        && !schema.has("properties")) {
      return;
    }
    JsonNode additional = schema.get("additionalProperties");
    JsonNode props = schema.path("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      if (!o.has(p.getKey()) && p.getValue().has("default")) {
        o.set(p.getKey(), p.getValue().get("default").deepCopy());
      }
    }
    List<String> extra = new ArrayList<>();
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    for (String n : names) {
      String sub = path + "." + n;
      if (props.has(n)) {
        node(o, n, o.get(n), props.get(n), sub);
      } else if (additional != null && additional.isObject()) {
        node(o, n, o.get(n), additional, sub);
      } else if (additional == null
          && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        extra.add(n);
        unknown.add(sub);
      }
    }
    o.remove(extra);
    for (JsonNode r : schema.path("required")) {
      if (!o.has(r.asText())) {
        causes.add(new Cause("FieldValueRequired", path + "." + r.asText(), "Required value"));
      }
    }
  }

  private void checkEnum(JsonNode value, JsonNode schema, String path) {
    JsonNode allowed = schema.get("enum");
    if (allowed == null || !allowed.isArray()) {
      return;
    }
    for (JsonNode a : allowed) {
      if (a.equals(value)) {
        return;
      }
    }
    List<String> names = new ArrayList<>();
    allowed.forEach(a -> names.add(a.toString()));
    causes.add(
        new Cause(
            "FieldValueNotSupported",
            path,
            "Unsupported value: " + value + ": supported values: " + String.join(", ", names)));
  }

  private void checkBounds(JsonNode value, JsonNode schema, String path) {
    if (value.isNumber()) {
      if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
        invalid(path, value, "should be greater than or equal to " + schema.get("minimum"));
      }
      if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
        invalid(path, value, "should be less than or equal to " + schema.get("maximum"));
      }
    } else if (value.isTextual()) {
      int len = value.asText().getBytes(StandardCharsets.UTF_8).length;
      if (schema.has("maxLength") && len > schema.get("maxLength").asInt()) {
        causes.add(
            new Cause(
                "FieldValueTooLong",
                path,
                "Too long: may not be more than " + schema.get("maxLength") + " bytes"));
      }
      if (schema.has("minLength") && len < schema.get("minLength").asInt()) {
        invalid(path, value, "should be at least " + schema.get("minLength") + " chars long");
      }
      if (schema.has("pattern")
          && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
        invalid(path, value, "should match '" + schema.get("pattern").asText() + "'");
      }
    } else if (value.isArray()) {
      if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
        causes.add(
            new Cause(
                "FieldValueTooMany",
                path,
                "Too many: "
                    + value.size()
                    + ": must have at most "
                    + schema.get("maxItems")
                    + " items"));
      }
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        invalid(path, value, "should have at least " + schema.get("minItems") + " items");
      }
    } else if (value.isObject()
        && schema.has("maxProperties")
        && value.size() > schema.get("maxProperties").asInt()) {
      causes.add(
          new Cause(
              "FieldValueTooMany",
              path,
              "Too many: "
                  + value.size()
                  + ": must have at most "
                  + schema.get("maxProperties")
                  + " items"));
    }
  }

  private void invalidType(String path, JsonNode value, String type) {
    invalid(path, value, "must be of type " + type);
  }

  private void invalid(String path, JsonNode value, String rule) {
    String shown = value.isContainerNode() ? "\"" + kindOf(value) + "\"" : value.toString();
    causes.add(
        new Cause(
            "FieldValueInvalid",
            path,
            "Invalid value: " + shown + ": " + path + " in body " + rule));
  }

  private static String kindOf(JsonNode v) {
    return v.isArray() ? "array" : "object";
  }

  /** The unknown fields as the Strict error names them. */
  static String unknownMessage(List<String> fields) {
    return fields.stream()
        .map(f -> "unknown field \"" + f + "\"")
        .collect(Collectors.joining(", "));
  }
}
