package io.flycast.e2e;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chart's values.yaml read two ways: parsed (its leaf keys) and as text (the line of each leaf
 * key, to check its comment). A leaf is a scalar, a list, an empty map, or one of the free-form
 * maps below whose entries are Kubernetes fields rather than chart options.
 */
final class ValuesFile {
  static final Set<String> FREE_FORM =
      Set.of(
          "podSecurityContext",
          "securityContext",
          "resources",
          "livenessProbe",
          "readinessProbe",
          "startupProbe");

  private static final Pattern KEY_LINE = Pattern.compile("^( *)([A-Za-z0-9_]+):\\s*(.*)$");
  private static final Pattern README_ROW =
      Pattern.compile("^\\|\\s*`([A-Za-z0-9_.]+)`\\s*\\|\\s*`([^`]*)`\\s*\\|");

  private final List<String> lines;
  private final Map<String, Object> parsed;

  private ValuesFile(List<String> lines, Map<String, Object> parsed) {
    this.lines = lines;
    this.parsed = parsed;
  }

  @SuppressWarnings("unchecked")
  static ValuesFile read(Path file) throws IOException {
    String text = Files.readString(file);
    return new ValuesFile(text.lines().toList(), Serialization.unmarshal(text, Map.class));
  }

  List<String> lines() {
    return lines;
  }

  /** Dotted paths of the leaf keys, from the parsed YAML. */
  Set<String> keys() {
    Set<String> keys = new TreeSet<>();
    flatten("", parsed, keys);
    return keys;
  }

  private static void flatten(String prefix, Map<?, ?> map, Set<String> out) {
    for (var e : map.entrySet()) {
      String key = prefix + e.getKey();
      if (e.getValue() instanceof Map<?, ?> m && !m.isEmpty() && !FREE_FORM.contains(key)) {
        flatten(key + ".", m, out);
      } else {
        out.add(key);
      }
    }
  }

  /** Line index of every leaf key, from the text (indentation-based, enough for values.yaml). */
  Map<String, Integer> leafKeyLines() {
    Map<String, Integer> leaves = new LinkedHashMap<>();
    List<String> path = new ArrayList<>();
    List<Integer> indents = new ArrayList<>();
    int skipDeeperThan = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String stripped = line.strip();
      if (stripped.isEmpty() || stripped.startsWith("#")) {
        continue;
      }
      int indent = line.length() - line.stripLeading().length();
      if (skipDeeperThan >= 0 && indent > skipDeeperThan) {
        continue; // inside a list or a free-form block
      }
      skipDeeperThan = -1;
      Matcher m = KEY_LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
        indents.remove(indents.size() - 1);
        path.remove(path.size() - 1);
      }
      String parent = String.join(".", path);
      String key = parent.isEmpty() ? m.group(2) : parent + "." + m.group(2);
      boolean group = m.group(3).isEmpty();
      boolean listFollows = group && nextContentLine(i).stripLeading().startsWith("- ");
      if (group && !listFollows && !FREE_FORM.contains(key)) {
        path.add(m.group(2));
        indents.add(indent);
      } else {
        leaves.put(key, i);
        skipDeeperThan = indent;
      }
    }
    return leaves;
  }

  private String nextContentLine(int i) {
    for (int j = i + 1; j < lines.size(); j++) {
      String s = lines.get(j).strip();
      if (!s.isEmpty() && !s.startsWith("#")) {
        return lines.get(j);
      }
    }
    return "";
  }

  /** The value at a dotted path (as in {@link #keys}). */
  Object value(String dottedPath) {
    Object node = parsed;
    for (String part : dottedPath.split("\\.")) {
      node = ((Map<?, ?>) node).get(part);
    }
    return node;
  }

  /**
   * A README's values table: rows "| `key` | `default as JSON` | description |", key to the
   * default's JSON text.
   */
  static Map<String, String> readmeTable(Path readme) throws IOException {
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(readme)) {
      Matcher m = README_ROW.matcher(line);
      if (m.find()) {
        rows.put(m.group(1), m.group(2));
      }
    }
    return rows;
  }
}
