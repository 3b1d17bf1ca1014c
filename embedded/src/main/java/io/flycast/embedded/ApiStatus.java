package io.flycast.embedded;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;

/** The {@code Status} answers the real API server gives, with {@code application/json}. */
final class ApiStatus {
  /** One field that is wrong: the reason code, the field path and the message. */
  record Cause(String reason, String field, String message) {}

  private ApiStatus() {}

  static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  static MockResponse failure(int code, String reason, String message) {
    return json(code, status(code, reason, message).toString());
  }

  /**
   * 409 Conflict for a write that names a resourceVersion other than the stored one's, in the real
   * server's words (clients such as client-go's RetryOnConflict read again and retry on it).
   */
  static MockResponse conflict(String group, String plural, String name) {
    String resource = group.isEmpty() ? plural : plural + "." + group;
    return failure(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + resource
            + " \""
            + name
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again");
  }

  /** 422 Invalid, naming each field as {@code kubectl} prints it. */
  static MockResponse invalid(String kind, String group, String name, List<Cause> causes) {
    StringBuilder msg = new StringBuilder();
    msg.append(group.isEmpty() ? kind : kind + "." + group)
        .append(" \"")
        .append(name)
        .append("\" is invalid: ");
    for (int i = 0; i < causes.size(); i++) {
      Cause c = causes.get(i);
      msg.append(i == 0 ? "" : ", ").append(c.field()).append(": ").append(c.message());
    }
    ObjectNode status = status(422, "Invalid", msg.toString());
    ObjectNode details = status.putObject("details");
    details.put("name", name).put("group", group).put("kind", kind);
    ArrayNode list = details.putArray("causes");
    for (Cause c : causes) {
      list.addObject()
          .put("reason", c.reason())
          .put("message", c.message())
          .put("field", c.field());
    }
    return json(422, status.toString());
  }

  private static ObjectNode status(int code, String reason, String message) {
    ObjectNode s = JsonNodeFactory.instance.objectNode();
    s.put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    return s;
  }
}
