package io.flycast.embedded;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The /scale subresource, which the CRUD mock lacks, for the apps workloads and custom resources:
 * an {@code autoscaling/v1} Scale for every verb and patch type, written through to the workload's
 * {@code spec.replicas} as the real API server does, so the code that scales real clusters runs
 * unchanged here.
 */
final class ScaleSubresource {
  /**
   * {@code /apis/<group>/<version>/namespaces/<ns>/<resource>/<name>/scale}: the /scale subresource
   * of the apps workloads and of custom resources (whose CRDs' scale subresources are taken to use
   * {@code .spec.replicas} and {@code .status.replicas}, the usual paths).
   */
  private static final java.util.regex.Pattern SCALE =
      java.util.regex.Pattern.compile("^(/apis/[^/]+/[^/]+/namespaces/[^/]+/[^/]+/[^/]+)/scale$");

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final EmbeddedApiDispatcher store;

  ScaleSubresource(EmbeddedApiDispatcher store) {
    this.store = store;
  }

  /** The workload's path when {@code path} is its /scale, else null. */
  static String workloadPath(String path) {
    var m = SCALE.matcher(path);
    return m.matches() ? m.group(1) : null;
  }

  /**
   * The /scale subresource, which the CRUD mock lacks: reads and writes the workload's {@code
   * spec.replicas}, as the real API server does, so the code that scales real clusters runs
   * unchanged here.
   */
  MockResponse handle(RecordedRequest request, String workloadPath) {
    MockResponse answer = null;
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      answer = handleOnce(request, workloadPath);
      if (answer.code() != 409 || "GET".equals(request.getMethod()) || pinsVersion(request)) {
        return answer;
      }
    }
    return answer;
  }

  /**
   * How often a write that names no resourceVersion is made again when another write to the
   * workload came between reading and storing it (the runtime's status, a label): the real server's
   * GuaranteedUpdate, so {@code kubectl scale} never sees a 409 it did not ask for.
   */
  private static final int WRITE_ATTEMPTS = 5;

  private static boolean pinsVersion(RecordedRequest request) {
    try {
      return !JSON.readTree(request.getBody().getBytes())
          .path("metadata")
          .path("resourceVersion")
          .asText("")
          .isEmpty();
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private MockResponse handleOnce(RecordedRequest request, String workloadPath) {
    var workload = store.storeGet(workloadPath);
    if (workload == null) {
      return ApiStatus.failure(404, "NotFound", workloadPath + " not found");
    }
    if (!"GET".equals(request.getMethod())) {
      com.fasterxml.jackson.databind.JsonNode wanted;
      try {
        var body = JSON.readTree(request.getBody().getBytes());
        wanted =
            "PATCH".equals(request.getMethod())
                ? Patches.apply(request.getHeader("Content-Type"), scaleOf(workload), body)
                : body;
      } catch (java.io.IOException | Patches.PatchException e) {
        return ApiStatus.failure(400, "BadRequest", e.toString());
      }
      String named = wanted.path("metadata").path("resourceVersion").asText("");
      if (!named.isEmpty()
          && !named.equals(workload.path("metadata").path("resourceVersion").asText())) {
        // A Scale read before another write to the workload: the real server refuses it, and the
        // writer (Flycast's scaler, another replica's) reads again and decides again.
        var path = ResourcePath.parse(workloadPath).orElseThrow();
        return ApiStatus.conflict(path.group(), path.plural(), path.name());
      }
      var updated = workload.deepCopy();
      ((com.fasterxml.jackson.databind.node.ObjectNode) updated.path("spec"))
          .put("replicas", wanted.path("spec").path("replicas").asInt(0));
      MockResponse put =
          store.store(
              new RecordedRequest(
                  "PUT " + workloadPath + " HTTP/1.1",
                  io.fabric8.mockwebserver.dsl.HttpMethod.PUT,
                  workloadPath,
                  io.fabric8.mockwebserver.http.Headers.builder()
                      .add("Content-Type", "application/json")
                      .build(),
                  new io.fabric8.mockwebserver.http.Buffer(
                      updated.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
      if (put.code() / 100 != 2) {
        return put;
      }
      workload = store.storeGet(workloadPath);
    }
    return ApiStatus.json(200, scaleOf(workload).toString());
  }

  /** The autoscaling/v1 Scale of a workload, as the /scale subresource answers. */
  private static com.fasterxml.jackson.databind.node.ObjectNode scaleOf(
      com.fasterxml.jackson.databind.JsonNode workload) {
    var meta = workload.path("metadata");
    var out = JSON.createObjectNode();
    out.put("kind", "Scale");
    out.put("apiVersion", "autoscaling/v1");
    var m = out.putObject("metadata");
    m.put("name", meta.path("name").asText());
    m.put("namespace", meta.path("namespace").asText());
    m.put("resourceVersion", meta.path("resourceVersion").asText());
    m.put("uid", meta.path("uid").asText());
    out.putObject("spec").put("replicas", workload.path("spec").path("replicas").asInt(1));
    out.putObject("status").put("replicas", workload.path("status").path("replicas").asInt(0));
    return out;
  }
}
