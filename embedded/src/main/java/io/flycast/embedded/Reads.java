package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.flycast.embedded.EmbeddedApiDispatcher.BadRequest;
import io.flycast.embedded.table.Tables;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@code GET} of an object or a list (not a watch), shaped as the real server answers it: the
 * list's {@code fieldSelector} applied (see {@link FieldSelectors}), and a Table when the Accept
 * header asks for one ({@code kubectl get} without {@code -o yaml|json|name|jsonpath}).
 */
final class Reads {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CustomResources customResources;

  Reads(CustomResources customResources) {
    this.customResources = customResources;
  }

  static boolean isRead(RecordedRequest request, ResourcePath r, String query) {
    return "GET".equals(request.getMethod())
        && r.subresource() == null
        && !query.contains("watch=");
  }

  /** The answer to {@code request}, whose plain answer {@code store} gives. */
  MockResponse answer(
      RecordedRequest request,
      ResourcePath r,
      Query query,
      Function<RecordedRequest, MockResponse> store)
      throws BadRequest {
    String selector = r.name() == null ? query.get("fieldSelector") : null;
    boolean select = selector != null && !selector.isBlank();
    MockResponse answer = store.apply(select ? withoutFieldSelector(request) : request);
    Optional<String> table = Tables.requested(request.getHeader("Accept"));
    if (answer.code() != 200 || answer.getBody() == null || (!select && table.isEmpty())) {
      return answer;
    }
    JsonNode body;
    try {
      body = JSON.readTree(answer.getBody().getBytes());
    } catch (IOException e) {
      return answer;
    }
    if (select && body instanceof ObjectNode list) {
      body = FieldSelectors.filter(list, selector);
    }
    if (table.isPresent()) {
      body =
          Tables.table(
              body,
              r.group(),
              r.plural(),
              customResources.version(r.group(), r.version(), r.plural()),
              query.get("includeObject"),
              table.get(),
              Instant.now());
    }
    return ApiStatus.json(200, body.toString());
  }

  /**
   * A watch event's object as the watch asked for it: a one-row Table when its Accept asks for one
   * ({@code kubectl get -w}; kubectl prints the header once, as long as the columns stay the same),
   * else as stored. The shape of the streamed watch's object hook ({@code WatchObjects}).
   */
  JsonNode watchObject(JsonNode object, String accept, ResourcePath path) {
    Optional<String> table = Tables.requested(accept);
    if (table.isEmpty() || path == null || !object.has("metadata")) {
      return object;
    }
    return Tables.table(
        object,
        path.group(),
        path.plural(),
        customResources.version(path.group(), path.version(), path.plural()),
        null,
        table.get(),
        Instant.now());
  }

  /** The request without its fieldSelector, so the store lists everything for us to select. */
  private static RecordedRequest withoutFieldSelector(RecordedRequest request) {
    String path = request.getPath();
    int q = path.indexOf('?');
    StringBuilder query = new StringBuilder();
    for (String pair : path.substring(q + 1).split("&")) {
      if (!pair.startsWith("fieldSelector=")) {
        query.append(query.isEmpty() ? "" : "&").append(pair);
      }
    }
    String bare = path.substring(0, q);
    String stripped = query.isEmpty() ? bare : bare + "?" + query;
    return new RecordedRequest(
        request.getMethod() + " " + stripped + " HTTP/1.1",
        request.method(),
        stripped,
        request.getHeaders(),
        request.getBody());
  }
}
