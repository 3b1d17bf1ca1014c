package io.flycast.embedded.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * kubectl's JSONPath dialect (client-go's {@code util/jsonpath}), as a CRD's {@code
 * additionalPrinterColumns} use it: {@code .a.b}, {@code ['a.b']}, {@code [0]}, {@code [*]}, {@code
 * ..a} and filters such as {@code [?(@.type=="Ready")]} (with {@code == != < > <= >=}, or a bare
 * {@code @.path} for existence). Missing keys yield no result rather than an error, as the API
 * server allows them for printer columns. A general JSONPath library (Jayway's) reads {@code $}
 * roots and returns one value or a list depending on the path; the server's column code needs
 * client-go's "list of results, first one wins", which this gives directly.
 */
final class KubectlJsonPath {
  private final List<Step> steps;

  private sealed interface Step {}

  private record Field(String name) implements Step {}

  private record Recursive(String name) implements Step {}

  private record Index(int index) implements Step {}

  private record Wildcard() implements Step {}

  private record Filter(KubectlJsonPath left, String op, String literal, boolean numeric)
      implements Step {}

  private KubectlJsonPath(List<Step> steps) {
    this.steps = steps;
  }

  /** Parses {@code path}, with or without the {@code {...}} braces of kubectl's templates. */
  static KubectlJsonPath parse(String path) {
    String p = path.strip();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    if (p.startsWith("$")) {
      p = p.substring(1);
    }
    List<Step> steps = new ArrayList<>();
    int i = 0;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (p.startsWith("..", i)) {
        int end = nameEnd(p, i + 2);
        steps.add(new Recursive(p.substring(i + 2, end)));
        i = end;
      } else if (c == '.') {
        int end = nameEnd(p, i + 1);
        String name = p.substring(i + 1, end);
        if (!name.isEmpty()) {
          steps.add(name.equals("*") ? new Wildcard() : new Field(name));
        }
        i = end;
      } else if (c == '[') {
        int end = closing(p, i);
        steps.add(bracket(p.substring(i + 1, end).strip()));
        i = end + 1;
      } else {
        int end = nameEnd(p, i);
        steps.add(new Field(p.substring(i, end)));
        i = end;
      }
    }
    return new KubectlJsonPath(List.copyOf(steps));
  }

  private static int nameEnd(String p, int from) {
    int i = from;
    while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
      i++;
    }
    return i;
  }

  /** The index of the {@code ]} closing the bracket at {@code open}, past quoted strings. */
  private static int closing(String p, int open) {
    char quote = 0;
    int depth = 0;
    for (int i = open; i < p.length(); i++) {
      char c = p.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unclosed [ in JSONPath " + p);
  }

  private static Step bracket(String inner) {
    if (inner.equals("*")) {
      return new Wildcard();
    }
    if (inner.startsWith("'") || inner.startsWith("\"")) {
      return new Field(inner.substring(1, inner.length() - 1));
    }
    if (inner.startsWith("?(") && inner.endsWith(")")) {
      return filter(inner.substring(2, inner.length() - 1).strip());
    }
    try {
      return new Index(Integer.parseInt(inner));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unsupported JSONPath bracket [" + inner + "]", e);
    }
  }

  private static Step filter(String expr) {
    for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
      int at = expr.indexOf(op);
      if (at > 0) {
        String left = expr.substring(0, at).strip();
        String right = expr.substring(at + op.length()).strip();
        boolean quoted = right.startsWith("\"") || right.startsWith("'");
        String literal = quoted ? right.substring(1, right.length() - 1) : right;
        return new Filter(parse(left.substring(1)), op, literal, !quoted);
      }
    }
    return new Filter(parse(expr.substring(1)), null, null, false);
  }

  /** Every value the path reaches in {@code root}, in document order (empty when none). */
  List<JsonNode> find(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (Step step : steps) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        apply(step, node, next);
      }
      current = next;
    }
    return current;
  }

  private static void apply(Step step, JsonNode node, List<JsonNode> out) {
    switch (step) {
      case Field f -> {
        JsonNode v = node.get(f.name());
        if (v != null && node.isObject()) {
          out.add(v);
        }
      }
      case Index ix -> {
        int i = ix.index() < 0 ? node.size() + ix.index() : ix.index();
        if (node.isArray() && i >= 0 && i < node.size()) {
          out.add(node.get(i));
        }
      }
      case Wildcard w -> node.forEach(out::add);
      case Recursive r -> descend(node, r.name(), out);
      case Filter f -> {
        if (node.isArray()) {
          node.forEach(
              item -> {
                if (matches(f, item)) {
                  out.add(item);
                }
              });
        }
      }
    }
  }

  private static void descend(JsonNode node, String name, List<JsonNode> out) {
    if (node.isObject() && node.has(name)) {
      out.add(node.get(name));
    }
    if (node.isContainerNode()) {
      node.forEach(child -> descend(child, name, out));
    }
  }

  private static boolean matches(Filter f, JsonNode item) {
    List<JsonNode> found = f.left().find(item);
    if (f.op() == null) {
      return !found.isEmpty();
    }
    if (found.isEmpty()) {
      return false;
    }
    JsonNode v = found.get(0);
    int cmp;
    if (f.numeric() && v.isNumber()) {
      try {
        cmp = Double.compare(v.asDouble(), Double.parseDouble(f.literal()));
      } catch (NumberFormatException e) {
        return false;
      }
    } else {
      cmp = v.asText().compareTo(f.literal());
    }
    return switch (f.op()) {
      case "==" -> cmp == 0;
      case "!=" -> cmp != 0;
      case "<" -> cmp < 0;
      case ">" -> cmp > 0;
      case "<=" -> cmp <= 0;
      default -> cmp >= 0;
    };
  }
}
