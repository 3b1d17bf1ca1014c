package io.flycast.embedded.table;

import static io.flycast.embedded.table.Printer.Column.NAME;

import com.fasterxml.jackson.databind.JsonNode;
import io.flycast.embedded.table.Printer.Column;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Event table of Kubernetes' {@code printers.go} ({@code kubectl get events}): LAST SEEN TYPE
 * REASON OBJECT MESSAGE; wide: SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
 */
final class EventColumns {
  private EventColumns() {}

  static final Printer PRINTER =
      new Printer(
          List.of(
              Column.of(
                  "Last Seen",
                  "string",
                  "The time at which the most recent occurrence of this event was recorded."),
              Column.of(
                  "Type",
                  "string",
                  "Type of this event (Normal, Warning), new types could be added in the future"),
              Column.of(
                  "Reason",
                  "string",
                  "This should be a short, machine understandable string that gives the reason"
                      + " for the transition into the object's current status."),
              Column.of("Object", "string", "The object that this event is about."),
              Column.wide(
                  "Subobject",
                  "If referring to a piece of an object instead of an entire object, this"
                      + " string should contain a valid JSON/Go field access statement."),
              Column.wide("Source", "The component reporting this event."),
              Column.of(
                  "Message",
                  "string",
                  "A human-readable description of the status of this operation."),
              Column.wide("First Seen", "The time at which the event was first recorded."),
              Column.wide("Count", "The number of times this event has occurred."),
              new Column("Name", "string", "name", 1, NAME.description())),
          EventColumns::event);

  /** printEvent: last and first seen (eventTime when the old timestamps are unset), the count. */
  private static List<Object> event(JsonNode e, Instant now) {
    String first =
        e.path("firstTimestamp").asText("").isEmpty()
            ? Cells.age(e.get("eventTime"), now)
            : Cells.age(e.get("firstTimestamp"), now);
    String last =
        e.path("lastTimestamp").asText("").isEmpty()
            ? first
            : Cells.age(e.get("lastTimestamp"), now);
    long count = e.path("count").asLong();
    if (e.hasNonNull("series")) {
      last = Cells.age(e.path("series").get("lastObservedTime"), now);
      count = e.path("series").path("count").asLong();
    } else if (count == 0) {
      count = 1; // singleton events of the events.k8s.io API carry no count
    }
    JsonNode involved = e.path("involvedObject");
    String kind = involved.path("kind").asText().toLowerCase(Locale.ROOT);
    String target =
        involved.path("name").asText().isEmpty()
            ? kind
            : kind + "/" + involved.path("name").asText();
    String component =
        firstNonEmpty(
            e.path("source").path("component").asText(), e.path("reportingComponent").asText());
    String instance =
        firstNonEmpty(e.path("source").path("host").asText(), e.path("reportingInstance").asText());
    return new ArrayList<>(
        Arrays.asList(
            last,
            e.path("type").asText(),
            e.path("reason").asText(),
            target,
            involved.path("fieldPath").asText(),
            instance.isEmpty() ? component : component + ", " + instance,
            e.path("message").asText().strip(),
            first,
            count,
            e.path("metadata").path("name").asText()));
  }

  private static String firstNonEmpty(String a, String b) {
    return a.isEmpty() ? b : a;
  }
}
