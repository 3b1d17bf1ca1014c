package io.flycast.embedded.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The columns of one kind's table and how to fill a row: the server fills every column, wide ones
 * included (it prints with {@code Wide: true}); kubectl hides priority &gt; 0 columns unless {@code
 * -o wide}. A cell is a String, Long, Boolean or null (kubectl prints null as {@code <none>}).
 */
record Printer(List<Column> columns, Row row) {
  /** One object's cells, in column order. */
  @FunctionalInterface
  interface Row {
    List<Object> cells(JsonNode object, Instant now);
  }

  /** A {@code metav1.TableColumnDefinition}. */
  record Column(String name, String type, String format, int priority, String description) {
    static final Column NAME =
        new Column(
            "Name",
            "string",
            "name",
            0,
            "Name must be unique within a namespace. Is required when creating resources, although"
                + " some resources may allow a client to request the generation of an appropriate"
                + " name automatically. Name is primarily intended for creation idempotence and"
                + " configuration definition. Cannot be updated. More info:"
                + " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names");
    static final Column AGE =
        new Column(
            "Age",
            "string",
            "",
            0,
            "CreationTimestamp is a timestamp representing the server time when this object was"
                + " created. It is not guaranteed to be set in happens-before order across separate"
                + " operations. Clients may not set this value. It is represented in RFC3339 form"
                + " and is in UTC.");

    static Column of(String name, String type, String description) {
      return new Column(name, type, "", 0, description);
    }

    static Column wide(String name, String description) {
      return new Column(name, "string", "", 1, description);
    }
  }
}
