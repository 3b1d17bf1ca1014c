package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CEL expressions of CRDs ({@code x-kubernetes-validations}), compiled with Google's CEL for
 * Java in the environment the API server gives them: {@code self} and {@code oldSelf} of any type,
 * the standard library (has, exists, all, size, matches, startsWith...) and the strings, lists and
 * sets extensions. Each expression is compiled once and kept: a CRD has a handful of rules, so the
 * cache is bounded by the rules of the CRDs stored.
 */
final class CelRules {
  private static final CelOptions OPTIONS =
      CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  // legacyCelBuilder: the interpreter standardCelBuilder() named until 0.14 (the planner is new).
  private static final Cel CEL =
      CelFactory.legacyCelBuilder()
          .setOptions(OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .addCompilerLibraries(
              CelExtensions.strings(), CelExtensions.lists(), CelExtensions.sets(OPTIONS))
          .addRuntimeLibraries(
              CelExtensions.strings(), CelExtensions.lists(), CelExtensions.sets(OPTIONS))
          .build();

  /** A compiled expression, or why it did not compile. */
  record Compiled(CelRuntime.Program program, boolean usesOldSelf, String error) {
    boolean ok() {
      return error == null;
    }
  }

  private final Map<String, Compiled> rules = new ConcurrentHashMap<>();
  private final Map<String, Compiled> messages = new ConcurrentHashMap<>();

  /** A rule ({@code rule}), which must evaluate to a bool. */
  Compiled rule(String expression) {
    return rules.computeIfAbsent(expression, e -> compile(e, CelKind.BOOL));
  }

  /** A {@code messageExpression}, which must evaluate to a string. */
  Compiled message(String expression) {
    return messages.computeIfAbsent(expression, e -> compile(e, CelKind.STRING));
  }

  private static Compiled compile(String expression, CelKind wanted) {
    try {
      CelAbstractSyntaxTree ast = CEL.compile(expression).getAst();
      CelKind kind = ast.getResultType().kind();
      if (kind != wanted && kind != CelKind.DYN) {
        return new Compiled(
            null,
            false,
            "compilation failed: the expression must evaluate to a "
                + wanted.name().toLowerCase(java.util.Locale.ROOT)
                + ", not "
                + ast.getResultType().name());
      }
      boolean usesOldSelf =
          ast.getReferenceMap().values().stream().anyMatch(r -> "oldSelf".equals(r.name()));
      return new Compiled(CEL.createProgram(ast), usesOldSelf, null);
    } catch (dev.cel.common.CelException e) {
      return new Compiled(null, false, "compilation failed: " + e.getMessage());
    }
  }

  /**
   * Evaluates a compiled expression with {@code self} (and {@code oldSelf} when not null).
   *
   * @throws CelEvaluationException when it fails at run time (a missing key, a type error)
   */
  static Object eval(Compiled c, JsonNode self, JsonNode oldSelf) throws CelEvaluationException {
    Map<String, Object> vars = new HashMap<>();
    vars.put("self", value(self));
    if (oldSelf != null) {
      vars.put("oldSelf", value(oldSelf));
    }
    return c.program().eval(vars);
  }

  /** A JSON value as CEL sees it: maps, lists, int (long), double, string, bool, null. */
  static Object value(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(f -> map.put(f.getKey(), value(f.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(n -> list.add(value(n)));
      return list;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  /** The {@code x-kubernetes-validations} of a schema node, if any. */
  static Optional<JsonNode> of(JsonNode schema) {
    JsonNode v = schema.get("x-kubernetes-validations");
    return v != null && v.isArray() && !v.isEmpty() ? Optional.of(v) : Optional.empty();
  }
}
