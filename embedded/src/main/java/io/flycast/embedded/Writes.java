package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.flycast.embedded.EmbeddedApiDispatcher.BadRequest;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creates, updates, patches and deletes as the real API server does, in front of the store: a
 * custom resource is defaulted and validated against its CRD's schema (422 naming the field), a
 * {@code PATCH} of any type is applied here and stored as an update (so the store's conflict and
 * status rules hold), and {@code dryRun=All} answers without storing anything.
 */
final class Writes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EmbeddedApiDispatcher store;
  private final CustomResources customResources;
  private final ServerSideApply ssa = new ServerSideApply();
  private final GarbageCollector garbage;
  private final CelValidator cel = new CelValidator(new CelRules());

  /**
   * Set while objects are stored past validation (see {@link EmbeddedApiServer#storeUnchecked}).
   */
  volatile boolean unchecked;

  Writes(EmbeddedApiDispatcher store, CustomResources customResources) {
    this.store = store;
    this.customResources = customResources;
    this.garbage = new GarbageCollector(store, ApiResource.SERVED);
  }

  MockResponse handle(RecordedRequest request, ResourcePath path, Query query) throws BadRequest {
    return switch (request.getMethod()) {
      case "PATCH" -> patch(request, path, query);
      case "POST", "PUT" -> write(request, path, query);
      case "DELETE" -> delete(request, path, query);
      default -> store.store(request);
    };
  }

  private MockResponse write(RecordedRequest request, ResourcePath path, Query query)
      throws BadRequest {
    ObjectNode object = objectBody(request);
    String name =
        object.path("metadata").path("name").asText(path.name() == null ? "" : path.name());
    if (path.subresource() == null) {
      Optional<MockResponse> invalid = validate(path, object, query, name);
      if (invalid.isPresent()) {
        return invalid.get();
      }
    }
    if (query.dryRun()) {
      return dryRunWrite(request.getMethod(), path, object, name);
    }
    RecordedRequest body =
        EmbeddedApiDispatcher.withBody(request, "application/json", object.toString());
    if ("PUT".equals(request.getMethod()) && path.name() != null) {
      return storeUpdate(path, object, body);
    }
    return store.store(body);
  }

  /**
   * Stores an update with the real server's optimistic concurrency: an object that names a
   * resourceVersion other than the stored one's is a 409 Conflict. The store checks that itself for
   * whole objects, but not for the status subresource: it builds a status write from the object it
   * holds, whose version always matches, so two controllers that each read, merge their own
   * condition and write would silently undo each other. The check and the store hold one lock, so
   * no write comes in between.
   */
  private synchronized MockResponse storeUpdate(
      ResourcePath path, ObjectNode object, RecordedRequest update) {
    String named = object.path("metadata").path("resourceVersion").asText("");
    if (!named.isEmpty()) {
      JsonNode current = store.storeGet(path.objectPath());
      String stored =
          current == null ? "" : current.path("metadata").path("resourceVersion").asText("");
      if (current != null && !named.equals(stored)) {
        return ApiStatus.conflict(path.group(), path.plural(), path.name());
      }
    }
    return store.store(update);
  }

  private MockResponse dryRunWrite(
      String method, ResourcePath path, ObjectNode object, String name) {
    String objectPath =
        path.name() == null ? path.collectionPath() + "/" + name : path.objectPath();
    JsonNode current = store.storeGet(objectPath);
    ObjectNode meta =
        object.get("metadata") instanceof ObjectNode m ? m : object.putObject("metadata");
    if ("POST".equals(method)) {
      if (current != null) {
        return ApiStatus.failure(
            409, "AlreadyExists", path.plural() + " \"" + name + "\" already exists");
      }
      if (path.namespace() != null) {
        meta.put("namespace", path.namespace());
      }
      meta.put("uid", UUID.randomUUID().toString());
      meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      return ApiStatus.json(201, object.toString());
    }
    if (current == null) {
      return notFound(path, name);
    }
    ObjectNode merged = object.deepCopy();
    merged.set("metadata", Patches.mergePatch(current.path("metadata"), meta));
    return ApiStatus.json(200, merged.toString());
  }

  /**
   * How often a patch is applied again to the object as it now is when another write came between
   * reading and storing it; the real server's GuaranteedUpdate retries the same way, so a patch
   * that names no resourceVersion never answers 409 (kubectl patch, edit and apply while the
   * operator writes status).
   */
  private static final int PATCH_ATTEMPTS = 5;

  private MockResponse patch(RecordedRequest request, ResourcePath path, Query query)
      throws BadRequest {
    MockResponse answer = null;
    for (int attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
      JsonNode current = store.storeGet(path.objectPath());
      answer = patchOnce(request, path, query, current);
      if (answer.code() != 409 || current == null || pinsVersion(request, current)) {
        return answer;
      }
    }
    return answer;
  }

  /**
   * Whether the patch itself names a resourceVersion other than the stored one's, so that its 409
   * stands: in a merge patch's {@code metadata}, or in a JSON Patch operation on that path (how
   * Fabric8's {@code edit} and {@code editStatus} pin the version they read).
   */
  private static boolean pinsVersion(RecordedRequest request, JsonNode current) {
    String stored = current.path("metadata").path("resourceVersion").asText();
    try {
      JsonNode body = JSON.readTree(request.getBody().getBytes());
      if (body.isArray()) {
        for (JsonNode op : body) {
          if ("/metadata/resourceVersion".equals(op.path("path").asText())
              && op.path("value").isTextual()
              && !op.path("value").asText().equals(stored)) {
            return true;
          }
        }
        return false;
      }
      JsonNode pinned = body.path("metadata").path("resourceVersion");
      return pinned.isTextual() && !pinned.asText().equals(stored);
    } catch (IOException e) {
      return true;
    }
  }

  private MockResponse patchOnce(
      RecordedRequest request, ResourcePath path, Query query, JsonNode current) throws BadRequest {
    String type = request.getHeader("Content-Type");
    if (path.name() == null) {
      return ApiStatus.failure(405, "MethodNotAllowed", "PATCH needs an object name");
    }
    boolean custom = customResources.crd(path.group(), path.plural()).isPresent();
    if (type != null && type.startsWith(Patches.APPLY_PATCH)) {
      return apply(request, path, query, current, custom);
    }
    if (current == null) {
      return notFound(path, path.name());
    }
    if (custom && type != null && type.startsWith(Patches.STRATEGIC_MERGE_PATCH)) {
      return ApiStatus.failure(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: "
              + Patches.JSON_PATCH
              + ", "
              + Patches.MERGE_PATCH
              + ", "
              + Patches.APPLY_PATCH);
    }
    JsonNode patched;
    try {
      patched = Patches.apply(type, current, JSON.readTree(request.getBody().getBytes()));
    } catch (IOException e) {
      throw new BadRequest(400, "BadRequest", "the patch is not JSON: " + e.getMessage());
    } catch (Patches.PatchException e) {
      return ApiStatus.failure(422, "Invalid", e.getMessage());
    }
    if (!(patched instanceof ObjectNode object)) {
      throw new BadRequest(400, "BadRequest", "the patched object is not an object");
    }
    if (path.subresource() == null) {
      Optional<MockResponse> invalid = validate(path, object, query, path.name());
      if (invalid.isPresent()) {
        return invalid.get();
      }
    }
    if (query.dryRun()) {
      return ApiStatus.json(200, object.toString());
    }
    String target =
        path.subresource() == null
            ? path.objectPath()
            : path.objectPath() + "/" + path.subresource();
    return put(request, target, object);
  }

  /** Server-side apply: creates the object, or merges this manager's configuration into it. */
  private MockResponse apply(
      RecordedRequest request, ResourcePath path, Query query, JsonNode current, boolean custom)
      throws BadRequest {
    String manager = query.get("fieldManager");
    if (manager == null || manager.isEmpty()) {
      throw new BadRequest(
          422, "Invalid", "PATCH with apply requires fieldManager to be set (fieldManager=NAME)");
    }
    ObjectNode config;
    try {
      config = ServerSideApply.read(request.getBody().getBytes());
    } catch (IOException e) {
      throw new BadRequest(400, "BadRequest", "cannot read the applied configuration: " + e);
    }
    String key = path.objectPath();
    if (current == null) {
      ObjectNode meta =
          config.get("metadata") instanceof ObjectNode m ? m : config.putObject("metadata");
      meta.put("name", path.name());
      if (path.namespace() != null) {
        meta.put("namespace", path.namespace());
      }
      RecordedRequest create =
          new RecordedRequest(
              "POST " + path.collectionPath() + " HTTP/1.1",
              HttpMethod.POST,
              path.collectionPath() + (query.dryRun() ? "?dryRun=All" : ""),
              request.getHeaders().newBuilder().removeAll("Content-Type").build(),
              new io.fabric8.mockwebserver.http.Buffer(
                  config.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      MockResponse created = write(create, path.withName(null), query);
      if (created.code() / 100 == 2 && !query.dryRun()) {
        ssa.remember(key, manager, config);
      }
      return created;
    }
    ObjectNode merged;
    try {
      merged = ssa.merge(key, manager, current, config, custom);
    } catch (Patches.PatchException e) {
      return ApiStatus.failure(422, "Invalid", e.getMessage());
    }
    Optional<MockResponse> invalid = validate(path, merged, query, path.name());
    if (invalid.isPresent()) {
      return invalid.get();
    }
    if (query.dryRun()) {
      return ApiStatus.json(200, merged.toString());
    }
    MockResponse stored = put(request, path.objectPath(), merged);
    if (stored.code() / 100 == 2) {
      ssa.remember(key, manager, config);
    }
    return stored;
  }

  private MockResponse put(RecordedRequest request, String target, ObjectNode object) {
    return storeUpdate(
        ResourcePath.parse(target).orElseThrow(),
        object,
        new RecordedRequest(
            "PUT " + target + " HTTP/1.1",
            HttpMethod.PUT,
            target,
            request
                .getHeaders()
                .newBuilder()
                .removeAll("Content-Type")
                .add("Content-Type", "application/json")
                .build(),
            new io.fabric8.mockwebserver.http.Buffer(
                object.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  private MockResponse delete(RecordedRequest request, ResourcePath path, Query query) {
    if (!query.dryRun() || path.name() == null) {
      if (path.name() == null || path.subresource() != null) {
        return store.store(request);
      }
      ssa.forget(path.objectPath());
      JsonNode before = store.storeGet(path.objectPath());
      MockResponse deleted = store.store(request);
      String body =
          new String(request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
      boolean orphan =
          "Orphan".equals(query.get("propagationPolicy")) || body.contains("\"Orphan\"");
      if (deleted.code() / 100 == 2 && before != null && !orphan) {
        garbage.collect(before.path("metadata").path("uid").asText());
      }
      return deleted;
    }
    JsonNode current = store.storeGet(path.objectPath());
    return current == null ? notFound(path, path.name()) : ApiStatus.json(200, current.toString());
  }

  /** Defaults and validates a custom resource; the 422 (or 400 for Strict) when it is invalid. */
  private Optional<MockResponse> validate(
      ResourcePath path, ObjectNode object, Query query, String name) throws BadRequest {
    if (isCrd(path) && !unchecked) {
      // A CEL rule that does not compile makes the CRD invalid, as on a real server.
      List<ApiStatus.Cause> broken = cel.compileErrors(object);
      return broken.isEmpty()
          ? Optional.empty()
          : Optional.of(ApiStatus.invalid("CustomResourceDefinition", path.group(), name, broken));
    }
    Optional<JsonNode> schema = customResources.schema(path.group(), path.version(), path.plural());
    if (schema.isEmpty() || unchecked) {
      return Optional.empty();
    }
    String kind = object.path("kind").asText(path.plural());
    SchemaValidator.Result result = SchemaValidator.check(object, schema.get());
    if (!result.unknownFields().isEmpty() && query.strict()) {
      throw new BadRequest(
          400,
          "BadRequest",
          kind
              + " in version \""
              + path.version()
              + "\" cannot be handled as a "
              + kind
              + ": strict decoding error: "
              + SchemaValidator.unknownMessage(result.unknownFields()));
    }
    JsonNode old =
        store.storeGet(
            path.name() == null ? path.collectionPath() + "/" + name : path.objectPath());
    List<ApiStatus.Cause> causes = new ArrayList<>(result.causes());
    causes.addAll(cel.check(schema.get(), object, old, result.causes()));
    if (old instanceof ObjectNode o && !causes.isEmpty()) {
      // Ratcheting, as the real server does since 1.30: an update may keep a value the schema
      // (or a rule) refuses if the stored object already had it (stored before it was checked).
      ObjectNode stored = o.deepCopy();
      List<ApiStatus.Cause> before =
          new ArrayList<>(SchemaValidator.check(stored, schema.get()).causes());
      before.addAll(cel.check(schema.get(), stored, null, before));
      causes = causes.stream().filter(c -> !before.contains(c)).toList();
    }
    if (!causes.isEmpty()) {
      return Optional.of(ApiStatus.invalid(kind, path.group(), name, causes));
    }
    return Optional.empty();
  }

  private static boolean isCrd(ResourcePath path) {
    return "apiextensions.k8s.io".equals(path.group())
        && "customresourcedefinitions".equals(path.plural())
        && path.subresource() == null;
  }

  private static ObjectNode objectBody(RecordedRequest request) throws BadRequest {
    try {
      JsonNode body = JSON.readTree(request.getBody().getBytes());
      if (body instanceof ObjectNode o) {
        return o;
      }
    } catch (IOException e) {
      throw new BadRequest(400, "BadRequest", "the body is not JSON: " + e.getMessage());
    }
    throw new BadRequest(400, "BadRequest", "the body is not a JSON object");
  }

  private static MockResponse notFound(ResourcePath path, String name) {
    String resource = path.group().isEmpty() ? path.plural() : path.plural() + "." + path.group();
    return ApiStatus.failure(404, "NotFound", resource + " \"" + name + "\" not found");
  }
}
