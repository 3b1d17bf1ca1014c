package io.flycast.embedded;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The embedded API's request handling: Fabric8's CRUD dispatcher, plus the discovery documents
 * ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>/<version>}) that kubectl
 * needs before it sends anything, plus a log of every request (method and path) so tests can
 * compare what the operator does with what its RBAC grants.
 */
final class EmbeddedApiDispatcher extends KubernetesCrudDispatcher {
  /**
   * A resource served here, for discovery: plural name, kind, namespaced, verbs and subresources.
   */
  record ApiResource(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      List<String> subresources,
      List<String> shortNames) {
    ApiResource(
        String group,
        String version,
        String plural,
        String kind,
        boolean namespaced,
        List<String> subresources) {
      this(
          group,
          version,
          plural,
          kind,
          namespaced,
          subresources,
          SHORT_NAMES.getOrDefault(plural, List.of()));
    }
  }

  /** kubectl's short names, so {@code kubectl get deploy,svc,exsvc} works as on a real cluster. */
  private static final Map<String, List<String>> SHORT_NAMES =
      Map.of(
          "namespaces",
          List.of("ns"),
          "services",
          List.of("svc"),
          "pods",
          List.of("po"),
          "configmaps",
          List.of("cm"),
          "events",
          List.of("ev"),
          "endpoints",
          List.of("ep"),
          "deployments",
          List.of("deploy"),
          "statefulsets",
          List.of("sts"),
          "replicasets",
          List.of("rs"),
          "exposedservices",
          List.of("exsvc"));

  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  static final List<ApiResource> RESOURCES =
      List.of(
          new ApiResource("", "v1", "namespaces", "Namespace", false, List.of("status")),
          new ApiResource("", "v1", "services", "Service", true, List.of("status")),
          new ApiResource("", "v1", "pods", "Pod", true, List.of("status")),
          new ApiResource("", "v1", "secrets", "Secret", true, List.of()),
          new ApiResource("", "v1", "configmaps", "ConfigMap", true, List.of()),
          new ApiResource("", "v1", "events", "Event", true, List.of()),
          new ApiResource("", "v1", "endpoints", "Endpoints", true, List.of()),
          new ApiResource("", "v1", "serviceaccounts", "ServiceAccount", true, List.of()),
          new ApiResource(
              "apps", "v1", "deployments", "Deployment", true, List.of("status", "scale")),
          new ApiResource(
              "apps", "v1", "statefulsets", "StatefulSet", true, List.of("status", "scale")),
          new ApiResource(
              "apps", "v1", "replicasets", "ReplicaSet", true, List.of("status", "scale")),
          new ApiResource("apps", "v1", "daemonsets", "DaemonSet", true, List.of("status")),
          new ApiResource(
              "", "v1", "replicationcontrollers", "ReplicationController", true, List.of("status")),
          new ApiResource("batch", "v1", "jobs", "Job", true, List.of("status")),
          new ApiResource("batch", "v1", "cronjobs", "CronJob", true, List.of("status")),
          new ApiResource(
              "autoscaling",
              "v2",
              "horizontalpodautoscalers",
              "HorizontalPodAutoscaler",
              true,
              List.of("status")),
          new ApiResource(
              "discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, List.of()),
          new ApiResource("coordination.k8s.io", "v1", "leases", "Lease", true, List.of()),
          new ApiResource(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "CustomResourceDefinition",
              false,
              List.of("status")),
          new ApiResource(
              "fly.io", "v1alpha1", "exposedservices", "ExposedService", true, List.of("status")),
          new ApiResource("fly.io", "v1alpha1", "flycastips", "FlycastIP", false, List.of()));

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EmbeddedApiDispatcher.class);

  private final Map<String, String> discovery = new LinkedHashMap<>();
  private final CustomResources customResources = new CustomResources(this);
  private final OpenApiDocuments openApi = new OpenApiDocuments(RESOURCES, customResources::schema);
  final Writes writes = new Writes(this, customResources);
  final PodLogs podLogs = new PodLogs();
  final Reads reads = new Reads(customResources);
  private final DiscoveryCategories categories = new DiscoveryCategories(customResources);
  private final ConcurrentLinkedQueue<Consumer<RecordedRequest>> observers =
      new ConcurrentLinkedQueue<>();

  EmbeddedApiDispatcher() {
    super(List.of());
    discovery.put(
        "/api",
        "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}");
    Map<String, List<ApiResource>> byGroupVersion = new LinkedHashMap<>();
    for (ApiResource r : RESOURCES) {
      byGroupVersion
          .computeIfAbsent(
              r.group().isEmpty() ? r.version() : r.group() + "/" + r.version(),
              k -> new ArrayList<>())
          .add(r);
    }
    List<String> groups = new ArrayList<>();
    byGroupVersion.forEach(
        (gv, list) -> {
          String path = gv.contains("/") ? "/apis/" + gv : "/api/" + gv;
          discovery.put(path, resourceList(gv, list));
          if (gv.contains("/")) {
            String group = gv.substring(0, gv.indexOf('/'));
            String gvJson =
                "{\"groupVersion\":\""
                    + gv
                    + "\",\"version\":\""
                    + gv.substring(gv.indexOf('/') + 1)
                    + "\"}";
            groups.add(
                "{\"name\":\""
                    + group
                    + "\",\"versions\":["
                    + gvJson
                    + "],\"preferredVersion\":"
                    + gvJson
                    + "}");
            discovery.put(
                "/apis/" + group,
                "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\""
                    + group
                    + "\",\"versions\":["
                    + gvJson
                    + "],\"preferredVersion\":"
                    + gvJson
                    + "}");
          }
        });
    discovery.put(
        "/apis",
        "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":["
            + String.join(",", groups)
            + "]}");
    discovery.put(
        "/version",
        "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-flycast-embedded\",\"platform\":\"linux/amd64\"}");
  }

  private static String resourceList(String gv, List<ApiResource> list) {
    List<String> items = new ArrayList<>();
    String verbs = "[\"" + String.join("\",\"", VERBS) + "\"]";
    for (ApiResource r : list) {
      String shortNames =
          r.shortNames().isEmpty()
              ? ""
              : ",\"shortNames\":[\"" + String.join("\",\"", r.shortNames()) + "\"]";
      items.add(
          "{\"name\":\""
              + r.plural()
              + "\",\"singularName\":\""
              + r.kind().toLowerCase(Locale.ROOT)
              + "\",\"namespaced\":"
              + r.namespaced()
              + ",\"kind\":\""
              + r.kind()
              + "\",\"verbs\":"
              + verbs
              + shortNames
              + "}");
      for (String sub : r.subresources()) {
        items.add(
            "{\"name\":\""
                + r.plural()
                + "/"
                + sub
                + "\",\"singularName\":\"\",\"namespaced\":"
                + r.namespaced()
                + ",\"kind\":\""
                + ("scale".equals(sub) ? "Scale" : r.kind())
                + "\",\"verbs\":[\"get\",\"patch\",\"update\"]}");
      }
    }
    return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\""
        + gv
        + "\",\"resources\":["
        + String.join(",", items)
        + "]}";
  }

  /**
   * The /scale subresource, which the CRUD mock lacks: reads and writes the workload's {@code
   * spec.replicas}, as the real API server does, so the code that scales real clusters runs
   * unchanged here.
   */
  private MockResponse handleScale(RecordedRequest request, String workloadPath) {
    var workload = storeGet(workloadPath);
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
      var updated = workload.deepCopy();
      ((com.fasterxml.jackson.databind.node.ObjectNode) updated.path("spec"))
          .put("replicas", wanted.path("spec").path("replicas").asInt(0));
      MockResponse put =
          super.dispatch(
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
      workload = storeGet(workloadPath);
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

  void addObserver(Consumer<RecordedRequest> observer) {
    observers.add(observer);
  }

  /**
   * {@code /apis/<group>/<version>/namespaces/<ns>/<resource>/<name>/scale}: the /scale subresource
   * of the apps workloads and of custom resources (whose CRDs' scale subresources are taken to use
   * {@code .spec.replicas} and {@code .status.replicas}, the usual paths).
   */
  private static final java.util.regex.Pattern SCALE =
      java.util.regex.Pattern.compile("^(/apis/[^/]+/[^/]+/namespaces/[^/]+/[^/]+/[^/]+)/scale$");

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
    } catch (RuntimeException e) {
      // A bug here must still answer: the mock leaves a request it threw on without a response.
      LOG.error("embedded API failed on {} {}", request.getMethod(), path, e);
      response = ApiStatus.failure(500, "InternalError", e.toString());
    }
    return labelled(response);
  }

  private MockResponse route(RecordedRequest request, String bare, String query) throws BadRequest {
    var scale = SCALE.matcher(bare);
    if (scale.matches()) {
      return handleScale(request, scale.group(1));
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
    for (ApiResource a : RESOURCES) {
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
