package io.flycast.embedded;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The embedded API's request routing: every request is shown to the observers (tests compare what
 * the operator asks with what its RBAC grants), its protobuf body read, then answered by the layer
 * that owns it ({@link ScaleSubresource}, {@link DiscoveryDocuments}, {@link OpenApiDocuments},
 * {@link PodLogs}, {@link Reads}, {@link Writes}) or by Fabric8's CRUD store underneath; every
 * answer is labelled as JSON and a list's kind made {@code <Kind>List}. docs/embedded-api.md maps
 * each concern to its class.
 */
final class EmbeddedApiDispatcher extends KubernetesCrudDispatcher {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EmbeddedApiDispatcher.class);

  private final DiscoveryDocuments discovery = new DiscoveryDocuments(ApiResource.SERVED);
  private final CustomResources customResources = new CustomResources(this);
  private final OpenApiDocuments openApi =
      new OpenApiDocuments(ApiResource.SERVED, customResources::schema);
  final Writes writes = new Writes(this, customResources);
  final PodLogs podLogs = new PodLogs();
  final Reads reads = new Reads(customResources);
  private final ScaleSubresource scale = new ScaleSubresource(this);
  private final DiscoveryCategories categories = new DiscoveryCategories(customResources);
  private final ConcurrentLinkedQueue<Consumer<RecordedRequest>> observers =
      new ConcurrentLinkedQueue<>();

  EmbeddedApiDispatcher() {
    super(List.of());
  }

  void addObserver(Consumer<RecordedRequest> observer) {
    observers.add(observer);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    observers.forEach(o -> o.accept(request));
    String path = request.getPath();
    int q = path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    String query = q < 0 ? "" : path.substring(q + 1);
    MockResponse response;
    try {
      response = route(readBody(request), bare, query);
    } catch (BadRequest e) {
      response = ApiStatus.failure(e.code, e.reason, e.getMessage());
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The server is closing: its watch executor is gone, and a client's last write (a replica
      // deleting its peer Lease on the way out) is answered as a server going away, not a bug.
      LOG.debug("embedded API closing; refused {} {}", request.getMethod(), path);
      response = ApiStatus.failure(503, "ServiceUnavailable", "the embedded API is shutting down");
    } catch (RuntimeException e) {
      // A bug here must still answer: the mock leaves a request it threw on without a response.
      LOG.error("embedded API failed on {} {}", request.getMethod(), path, e);
      response = ApiStatus.failure(500, "InternalError", e.toString());
    }
    return labelled(response);
  }

  private MockResponse route(RecordedRequest request, String bare, String query) throws BadRequest {
    String workload = ScaleSubresource.workloadPath(bare);
    if (workload != null) {
      return scale.handle(request, workload);
    }
    if ("GET".equals(request.getMethod())) {
      String doc = discovery.get(bare);
      if (doc != null) {
        return ApiStatus.json(200, categories.decorate(doc));
      }
      if (bare.startsWith("/openapi/")) {
        return openApi
            .document(bare)
            .map(d -> ApiStatus.json(200, d))
            .orElseGet(() -> ApiStatus.failure(404, "NotFound", "no OpenAPI document " + bare));
      }
    }
    var resource = ResourcePath.parse(bare);
    if (resource.isEmpty()) {
      return super.dispatch(request);
    }
    ResourcePath r = resource.get();
    if ("pods".equals(r.plural()) && "log".equals(r.subresource())) {
      return podLogs.read(r, Query.parse(query));
    }
    if (Reads.isRead(request, r, query)) {
      return reads.answer(request, r, Query.parse(query), req -> listKind(store(req), r));
    }
    MockResponse answer = writes.handle(request, r, Query.parse(query));
    if ("GET".equals(request.getMethod()) && r.name() == null && !query.contains("watch=")) {
      return listKind(answer, r);
    }
    return answer;
  }

  /** A protobuf body, read into JSON (the store and everything after it read JSON only). */
  private static RecordedRequest readBody(RecordedRequest request) throws BadRequest {
    if (!ProtobufBodies.isProtobuf(request.getHeader("Content-Type"))) {
      return request;
    }
    try {
      return withBody(
          request, "application/json", ProtobufBodies.toJson(request.getBody().getBytes()));
    } catch (java.io.IOException e) {
      throw new BadRequest(415, "UnsupportedMediaType", e.getMessage());
    }
  }

  static RecordedRequest withBody(RecordedRequest request, String contentType, String body) {
    var headers = request.getHeaders().newBuilder().removeAll("Content-Type");
    headers.add("Content-Type", contentType);
    return new RecordedRequest(
        request.getRequestLine(),
        request.method(),
        request.getPath(),
        headers.build(),
        new io.fabric8.mockwebserver.http.Buffer(
            body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /**
   * A list's kind is {@code <Kind>List}, as typed clients (helm's) decode it; the mock answers
   * {@code List}.
   */
  private static MockResponse listKind(MockResponse response, ResourcePath r) {
    if (response.code() != 200 || response.getBody() == null) {
      return response;
    }
    for (ApiResource a : ApiResource.SERVED) {
      if (a.group().equals(r.group()) && a.plural().equals(r.plural())) {
        try {
          var list = JSON.readTree(response.getBody().getBytes());
          if (list instanceof com.fasterxml.jackson.databind.node.ObjectNode o
              && "List".equals(o.path("kind").asText())) {
            o.put("kind", a.kind() + "List");
            o.put("apiVersion", a.group().isEmpty() ? a.version() : a.group() + "/" + a.version());
            return ApiStatus.json(200, o.toString());
          }
        } catch (java.io.IOException e) {
          return response;
        }
      }
    }
    return response;
  }

  /** Every answer says what it is (client-go reads an unlabelled body as protobuf). */
  private static MockResponse labelled(MockResponse response) {
    if (response.getWebSocketListener() != null) {
      return response;
    }
    if (response.code() >= 400 && (response.getBody() == null || response.getBody().size() == 0)) {
      return ApiStatus.failure(
          response.code(), reasonOf(response.code()), reasonOf(response.code()));
    }
    if (response.header("Content-Type") == null) {
      response.setHeader("Content-Type", "application/json");
    }
    return response;
  }

  private static String reasonOf(int code) {
    return switch (code) {
      case 404 -> "NotFound";
      case 409 -> "Conflict";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      default -> code >= 500 ? "InternalError" : "BadRequest";
    };
  }

  /** A request refused before it reaches the store. */
  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int code;
    final String reason;

    BadRequest(int code, String reason, String message) {
      super(message);
      this.code = code;
      this.reason = reason;
    }
  }

  /** The store's answer to a request, past every layer of this class. */
  MockResponse store(RecordedRequest request) {
    return super.dispatch(request);
  }

  /** The stored object at {@code path}, or null. */
  com.fasterxml.jackson.databind.JsonNode storeGet(String path) {
    MockResponse r =
        super.dispatch(
            new RecordedRequest(
                "GET " + path + " HTTP/1.1",
                io.fabric8.mockwebserver.dsl.HttpMethod.GET,
                path,
                io.fabric8.mockwebserver.http.Headers.builder().build(),
                new io.fabric8.mockwebserver.http.Buffer()));
    if (r.code() != 200) {
      return null;
    }
    try {
      return JSON.readTree(r.getBody().getBytes());
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
