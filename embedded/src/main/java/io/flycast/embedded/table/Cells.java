package io.flycast.embedded.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the API server writes table cells: ages as apimachinery's {@code duration.HumanDuration}
 * ({@code 45s}, {@code 3m10s}, {@code 5h2m}, {@code 3d4h}), labels and selectors as {@code
 * labels.FormatLabels} and {@code metav1.FormatLabelSelector} ({@code <none>} when empty), and
 * container names and images joined by commas.
 */
final class Cells {
  private Cells() {}

  /** The age of {@code timestamp} at {@code now}, {@code <unknown>} without one. */
  static String age(JsonNode timestamp, Instant now) {
    if (timestamp == null || !timestamp.isTextual() || timestamp.asText().isEmpty()) {
      return "<unknown>";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp.asText()), now));
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
  }

  /** apimachinery's {@code duration.HumanDuration}. */
  static String humanDuration(Duration d) {
    long seconds = d.toSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }

  /** {@code labels.FormatLabels}: {@code k=v,k2=v2} sorted by key, {@code <none>} when empty. */
  static String labels(JsonNode map) {
    Map<String, String> sorted = new TreeMap<>();
    map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
    if (sorted.isEmpty()) {
      return "<none>";
    }
    List<String> parts = new ArrayList<>();
    sorted.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(",", parts);
  }

  /**
   * {@code metav1.FormatLabelSelector}: match labels, then expressions; {@code <none>} if empty.
   */
  static String selector(JsonNode selector) {
    List<String> parts = new ArrayList<>();
    Map<String, String> sorted = new TreeMap<>();
    selector
        .path("matchLabels")
        .properties()
        .forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
    sorted.forEach((k, v) -> parts.add(k + "=" + v));
    for (JsonNode e : selector.path("matchExpressions")) {
      String key = e.path("key").asText();
      List<String> values = new ArrayList<>();
      e.path("values").forEach(v -> values.add(v.asText()));
      parts.add(
          switch (e.path("operator").asText()) {
            case "In" -> key + " in (" + String.join(",", values) + ")";
            case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
            case "DoesNotExist" -> "!" + key;
            default -> key;
          });
    }
    return parts.isEmpty() ? "<none>" : String.join(",", parts);
  }

  /** The containers' names and images, each joined by commas ({@code layoutContainerCells}). */
  static List<String> containers(JsonNode podSpec) {
    List<String> names = new ArrayList<>();
    List<String> images = new ArrayList<>();
    for (JsonNode c : podSpec.path("containers")) {
      names.add(c.path("name").asText());
      images.add(c.path("image").asText());
    }
    return List.of(String.join(",", names), String.join(",", images));
  }

  /** {@code value}, or {@code <none>} when it is missing or empty. */
  static String orNone(JsonNode value) {
    return value == null || value.isMissingNode() || value.asText().isEmpty()
        ? "<none>"
        : value.asText();
  }
}
