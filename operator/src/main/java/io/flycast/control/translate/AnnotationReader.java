package io.flycast.control.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads typed values from annotations. A value that does not parse falls back to the default and
 * leaves a problem message naming the annotation, the bad value and what is accepted.
 */
final class AnnotationReader {
  private final Map<String, String> annotations;
  private final List<String> problems = new ArrayList<>();

  AnnotationReader(Map<String, String> annotations) {
    this.annotations = annotations == null ? Map.of() : annotations;
  }

  String string(String key, String dflt) {
    String v = annotations.get(key);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  boolean bool(String key, boolean dflt) {
    String v = annotations.get(key);
    if (v == null) {
      return dflt;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> {
        problem(key, v, "true or false", String.valueOf(dflt));
        yield dflt;
      }
    };
  }

  int integer(String key, int dflt, int min) {
    String v = annotations.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min) {
        problem(key, v, "an integer >= " + min, String.valueOf(dflt));
        return dflt;
      }
      return n;
    } catch (NumberFormatException e) {
      problem(key, v, "an integer >= " + min, String.valueOf(dflt));
      return dflt;
    }
  }

  /** Parses with {@code parser} (which throws IllegalArgumentException on bad input). */
  <T> T parsed(String key, T dflt, String accepted, Function<String, T> parser) {
    String v = annotations.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return parser.apply(v.trim());
    } catch (IllegalArgumentException e) {
      problem(key, v, accepted, String.valueOf(dflt).toLowerCase(Locale.ROOT));
      return dflt;
    }
  }

  boolean has(String key) {
    return annotations.containsKey(key);
  }

  void problem(String message) {
    problems.add(message);
  }

  private void problem(String key, String value, String accepted, String dflt) {
    problems.add(
        "annotation "
            + key
            + "=\""
            + value
            + "\" is not valid (expected "
            + accepted
            + "); using "
            + dflt);
  }

  List<String> problems() {
    return problems;
  }
}
