package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import io.flycast.embedded.ApiStatus.Cause;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A custom resource checked against the CEL rules ({@code x-kubernetes-validations}) of its CRD's
 * structural schema, as the API server does after defaulting: each rule is evaluated at its node
 * with {@code self} bound to the node's value, and transition rules (those that read {@code
 * oldSelf}) only on an update whose stored object has a value at the same place. A broken rule is
 * one {@link Cause} with the node's path and the rule's message, in the words of the real server.
 */
final class CelValidator {
  static final String NOT_CHECKED =
      "some validation rules were not checked because the object was invalid; correct the existing"
          + " errors to complete validation";

  private final CelRules rules;

  CelValidator(CelRules rules) {
    this.rules = rules;
  }

  /**
   * The rules {@code object} breaks. {@code old} is the stored object on an update (null on a
   * create); {@code structural} what the schema check found: with a wrong type in it, the rules are
   * not evaluated, as on a real server.
   */
  List<Cause> check(JsonNode schema, JsonNode object, JsonNode old, List<Cause> structural) {
    if (structural.stream().anyMatch(c -> c.message().contains(" in body must be of type "))) {
      return List.of(new Cause("FieldValueInvalid", "<nil>", NOT_CHECKED));
    }
    List<Cause> causes = new ArrayList<>();
    node(schema, object, old, "", causes);
    return causes;
  }

  private void node(JsonNode schema, JsonNode value, JsonNode old, String path, List<Cause> out) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    CelRules.of(schema).ifPresent(list -> evaluate(list, schema, value, old, path, out));
    if (value.isObject()) {
      JsonNode props = schema.path("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        String name = f.getKey();
        JsonNode oldField = old == null ? null : old.get(name);
        if (props.has(name)) {
          node(props.get(name), f.getValue(), oldField, child(path, name), out);
        } else if (additional != null && additional.isObject()) {
          node(additional, f.getValue(), oldField, path + "[" + name + "]", out);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      JsonNode items = schema.get("items");
      for (int i = 0; i < value.size(); i++) {
        JsonNode item = value.get(i);
        node(items, item, correlated(schema, item, old), path + "[" + i + "]", out);
      }
    }
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /**
   * The stored element that {@code item} updates, for transition rules: only a list of type map has
   * one (the element with the same keys), as on a real server.
   */
  private static JsonNode correlated(JsonNode schema, JsonNode item, JsonNode old) {
    if (old == null
        || !old.isArray()
        || !"map".equals(schema.path("x-kubernetes-list-type").asText())) {
      return null;
    }
    for (JsonNode candidate : old) {
      boolean same = true;
      for (JsonNode key : schema.path("x-kubernetes-list-map-keys")) {
        same &= item.path(key.asText()).equals(candidate.path(key.asText()));
      }
      if (same) {
        return candidate;
      }
    }
    return null;
  }

  private void evaluate(
      JsonNode list, JsonNode schema, JsonNode value, JsonNode old, String path, List<Cause> out) {
    String type = schema.path("type").asText("object");
    for (JsonNode rule : list) {
      String expression = rule.path("rule").asText();
      CelRules.Compiled compiled = rules.rule(expression);
      if (!compiled.ok()) {
        // A rule the CRD write would have refused (a CRD stored past that check): the object is
        // not at fault, so it is not refused for it.
        org.slf4j.LoggerFactory.getLogger(CelValidator.class)
            .warn("CRD rule {} at {} skipped: {}", expression, path, compiled.error());
        continue;
      }
      if (compiled.usesOldSelf() && old == null) {
        continue;
      }
      String field = path + rule.path("fieldPath").asText("");
      try {
        Object result = CelRules.eval(compiled, value, compiled.usesOldSelf() ? old : null);
        if (!Boolean.TRUE.equals(result)) {
          out.add(failure(rule, field, type, message(rule, value, old)));
        }
      } catch (dev.cel.runtime.CelEvaluationException e) {
        out.add(
            new Cause(
                "FieldValueInvalid",
                field,
                "Invalid value: \""
                    + type
                    + "\": "
                    + e.getMessage()
                    + " evaluating rule: "
                    + ruleText(rule)));
      }
    }
  }

  /** The cause a broken rule gives: its {@code reason} (Invalid unless said) and message. */
  private static Cause failure(JsonNode rule, String field, String type, String message) {
    return switch (rule.path("reason").asText("FieldValueInvalid")) {
      case "FieldValueForbidden" ->
          new Cause("FieldValueForbidden", field, "Forbidden: " + message);
      case "FieldValueRequired" ->
          new Cause("FieldValueRequired", field, "Required value: " + message);
      case "FieldValueDuplicate" ->
          new Cause("FieldValueDuplicate", field, "Duplicate value: \"" + type + "\": " + message);
      default ->
          new Cause("FieldValueInvalid", field, "Invalid value: \"" + type + "\": " + message);
    };
  }

  /** {@code messageExpression}'s answer, else {@code message}, else the rule, as the server. */
  private String message(JsonNode rule, JsonNode value, JsonNode old) {
    String expression = rule.path("messageExpression").asText("");
    if (!expression.isBlank()) {
      CelRules.Compiled m = rules.message(expression);
      if (m.ok() && !(m.usesOldSelf() && old == null)) {
        try {
          Object text = CelRules.eval(m, value, m.usesOldSelf() ? old : null);
          if (text instanceof String s && !s.isBlank() && !s.contains("\n")) {
            return s.strip();
          }
        } catch (dev.cel.runtime.CelEvaluationException e) {
          // The server falls back to the static message, as here.
        }
      }
    }
    String message = rule.path("message").asText("").strip();
    return message.isEmpty() ? "failed rule: " + rule.path("rule").asText().strip() : message;
  }

  private static String ruleText(JsonNode rule) {
    String message = rule.path("message").asText("").strip();
    return message.isEmpty() ? rule.path("rule").asText().strip() : message;
  }

  /**
   * The rules of a CRD that do not compile, named as the real server names them when it refuses the
   * CRD ({@code spec.versions[0].schema.openAPIV3Schema...x-kubernetes-validations[0].rule}).
   */
  List<Cause> compileErrors(JsonNode crd) {
    List<Cause> out = new ArrayList<>();
    JsonNode versions = crd.path("spec").path("versions");
    for (int i = 0; i < versions.size(); i++) {
      JsonNode schema = versions.get(i).path("schema").path("openAPIV3Schema");
      if (schema.isObject()) {
        compileAll(schema, "spec.versions[" + i + "].schema.openAPIV3Schema", out);
      }
    }
    return out;
  }

  private void compileAll(JsonNode schema, String path, List<Cause> out) {
    JsonNode list = schema.path("x-kubernetes-validations");
    for (int i = 0; i < list.size(); i++) {
      JsonNode rule = list.get(i);
      String at = path + ".x-kubernetes-validations[" + i + "]";
      CelRules.Compiled c = rules.rule(rule.path("rule").asText());
      if (!c.ok()) {
        out.add(invalidRule(at + ".rule", rule.path("rule").asText(), c.error()));
      }
      String expression = rule.path("messageExpression").asText("");
      if (!expression.isBlank() && !rules.message(expression).ok()) {
        out.add(
            invalidRule(at + ".messageExpression", expression, rules.message(expression).error()));
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      compileAll(p.getValue(), path + ".properties[" + p.getKey() + "]", out);
    }
    if (schema.path("items").isObject()) {
      compileAll(schema.get("items"), path + ".items", out);
    }
    if (schema.path("additionalProperties").isObject()) {
      compileAll(schema.get("additionalProperties"), path + ".additionalProperties", out);
    }
  }

  private static Cause invalidRule(String field, String expression, String error) {
    return new Cause(
        "FieldValueInvalid",
        field,
        "Invalid value: "
            + com.fasterxml.jackson.databind.node.TextNode.valueOf(expression)
            + ": "
            + error);
  }
}
