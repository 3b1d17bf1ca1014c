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

  private final Map<String, String> discovery = new LinkedHashMap<>();
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
    try {
      MockResponse current =
          super.dispatch(
              new RecordedRequest(
                  "GET " + workloadPath + " HTTP/1.1",
                  io.fabric8.mockwebserver.dsl.HttpMethod.GET,
                  workloadPath,
                  io.fabric8.mockwebserver.http.Headers.builder().build(),
                  new io.fabric8.mockwebserver.http.Buffer()));
      if (current.code() != 200) {
        return current;
      }
      var workload = JSON.readTree(current.getBody().readUtf8());
      if (!"GET".equals(request.getMethod())) {
        var body = JSON.readTree(request.getUtf8Body());
        int replicas = body.path("spec").path("replicas").asInt(0);
        String patch = "{\"spec\":{\"replicas\":" + replicas + "}}";
        MockResponse patched =
            super.dispatch(
                new RecordedRequest(
                    "PATCH " + workloadPath + " HTTP/1.1",
                    io.fabric8.mockwebserver.dsl.HttpMethod.PATCH,
                    workloadPath,
                    io.fabric8.mockwebserver.http.Headers.builder()
                        .add("Content-Type", "application/merge-patch+json")
                        .build(),
                    new io.fabric8.mockwebserver.http.Buffer().writeUtf8(patch)));
        if (patched.code() != 200) {
          return patched;
        }
        workload = JSON.readTree(patched.getBody().readUtf8());
      }
      var meta = workload.path("metadata");
      var out = JSON.createObjectNode();
      out.put("kind", "Scale");
      out.put("apiVersion", "autoscaling/v1");
      var m = out.putObject("metadata");
      m.put("name", meta.path("name").asText());
      m.put("namespace", meta.path("namespace").asText());
      m.put("resourceVersion", meta.path("resourceVersion").asText());
      out.putObject("spec").put("replicas", workload.path("spec").path("replicas").asInt(1));
      out.putObject("status").put("replicas", workload.path("status").path("replicas").asInt(0));
      return new MockResponse()
          .setResponseCode(200)
          .addHeader("Content-Type", "application/json")
          .setBody(out.toString());
    } catch (java.io.IOException e) {
      return new MockResponse()
          .setResponseCode(400)
          .setBody("{\"kind\":\"Status\",\"message\":\"" + e.getMessage() + "\"}");
    }
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
    var scale = SCALE.matcher(bare);
    if (scale.matches()) {
      return handleScale(request, scale.group(1));
    }
    String doc = "GET".equals(request.getMethod()) ? discovery.get(bare) : null;
    if (doc != null) {
      return new MockResponse()
          .setResponseCode(200)
          .addHeader("Content-Type", "application/json")
          .setBody(doc);
    }
    return super.dispatch(request);
  }
}
