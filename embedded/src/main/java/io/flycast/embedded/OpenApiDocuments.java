package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The OpenAPI documents kubectl reads: {@code /openapi/v3} (the root, then one document a
 * group-version) and {@code /openapi/v2}. Each resource's PATCH operation lists the {@code
 * fieldValidation} parameter, which is how kubectl learns that the server validates fields itself
 * (so {@code kubectl apply} with its default {@code --validate=strict} sends {@code
 * fieldValidation=Strict} instead of validating against a protobuf v2 document). Custom resources
 * carry their CRD's schema, for {@code kubectl explain}. Built-in types list no strategic merge
 * patch here, so kubectl computes those patches from its compiled-in types, as their merge keys are
 * there.
 */
final class OpenApiDocuments {
  private static final JsonNodeFactory N = JsonNodeFactory.instance;
  private final List<ApiResource> resources;

  /** Finds the CRD's version schema of a custom resource (group, version, plural). */
  private final Function<ApiResource, Optional<JsonNode>> crdSchema;

  OpenApiDocuments(
      List<ApiResource> resources, Function<ApiResource, Optional<JsonNode>> crdSchema) {
    this.resources = resources;
    this.crdSchema = crdSchema;
  }

  /** The document at {@code path} ({@code /openapi/...}), or empty when there is none. */
  Optional<String> document(String path) {
    if (path.equals("/openapi/v3")) {
      return Optional.of(root().toString());
    }
    if (path.equals("/openapi/v2")) {
      return Optional.of(v2().toString());
    }
    if (path.startsWith("/openapi/v3/")) {
      String gv = path.substring("/openapi/v3/".length());
      Map<String, ObjectNode> docs = groupVersionDocuments();
      return Optional.ofNullable(docs.get(gv)).map(JsonNode::toString);
    }
    return Optional.empty();
  }

  private ObjectNode root() {
    ObjectNode root = N.objectNode();
    ObjectNode paths = root.putObject("paths");
    groupVersionDocuments()
        .forEach(
            (gv, doc) ->
                paths
                    .putObject(gv)
                    .put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash(doc)));
    return root;
  }

  private Map<String, ObjectNode> groupVersionDocuments() {
    Map<String, ObjectNode> docs = new LinkedHashMap<>();
    for (ApiResource r : resources) {
      String gv =
          r.group().isEmpty() ? "api/" + r.version() : "apis/" + r.group() + "/" + r.version();
      ObjectNode doc =
          docs.computeIfAbsent(
              gv,
              k -> {
                ObjectNode d = N.objectNode();
                d.put("openapi", "3.0.0");
                d.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
                d.putObject("paths");
                d.putObject("components").putObject("schemas");
                return d;
              });
      addResource(doc, "/" + gv, r);
    }
    return docs;
  }

  private void addResource(ObjectNode doc, String base, ApiResource r) {
    ObjectNode gvk = N.objectNode();
    gvk.put("group", r.group()).put("version", r.version()).put("kind", r.kind());
    String schemaName = schemaName(r);
    ObjectNode schema =
        crdSchema
            .apply(r)
            .map(s -> (ObjectNode) s.deepCopy())
            .orElseGet(
                () -> {
                  ObjectNode s = N.objectNode();
                  s.put("type", "object");
                  s.put("x-kubernetes-preserve-unknown-fields", true);
                  return s;
                });
    schema.putArray("x-kubernetes-group-version-kind").add(gvk.deepCopy());
    ((ObjectNode) doc.get("components").get("schemas")).set(schemaName, schema);

    String item =
        base + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
    ObjectNode ref = N.objectNode().put("$ref", "#/components/schemas/" + schemaName);
    ObjectNode patch = N.objectNode();
    patch.put("operationId", "patch" + r.kind());
    var params = patch.putArray("parameters");
    for (String p : List.of("dryRun", "fieldManager", "fieldValidation", "force")) {
      params
          .addObject()
          .put("name", p)
          .put("in", "query")
          .putObject("schema")
          .put("type", "string");
    }
    ObjectNode content = patch.putObject("requestBody").putObject("content");
    for (String t : List.of(Patches.JSON_PATCH, Patches.MERGE_PATCH, Patches.APPLY_PATCH)) {
      content.putObject(t).putObject("schema").put("type", "object");
    }
    patch
        .putObject("responses")
        .putObject("200")
        .put("description", "OK")
        .putObject("content")
        .putObject("application/json")
        .set("schema", ref);
    patch.put("x-kubernetes-action", "patch");
    patch.set("x-kubernetes-group-version-kind", gvk);
    ObjectNode get = N.objectNode();
    get.put("operationId", "read" + r.kind());
    get.putObject("responses")
        .putObject("200")
        .put("description", "OK")
        .putObject("content")
        .putObject("application/json")
        .set("schema", ref.deepCopy());
    get.put("x-kubernetes-action", "get");
    get.set("x-kubernetes-group-version-kind", gvk.deepCopy());
    ObjectNode path = ((ObjectNode) doc.get("paths")).putObject(item);
    path.set("get", get);
    path.set("patch", patch);
  }

  /** Kubernetes' naming: reversed group, version, kind ({@code io.fly.v1alpha1.ExposedService}). */
  private static String schemaName(ApiResource r) {
    if (r.group().isEmpty()) {
      return "io.k8s.api.core." + r.version() + "." + r.kind();
    }
    List<String> parts = new java.util.ArrayList<>(List.of(r.group().split("\\.")));
    java.util.Collections.reverse(parts);
    return String.join(".", parts) + "." + r.version() + "." + r.kind();
  }

  private ObjectNode v2() {
    ObjectNode doc = N.objectNode();
    doc.put("swagger", "2.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    doc.putObject("paths");
    ObjectNode defs = doc.putObject("definitions");
    for (ApiResource r : resources) {
      crdSchema
          .apply(r)
          .ifPresent(
              s -> {
                ObjectNode schema = s.deepCopy();
                ObjectNode gvk = N.objectNode();
                gvk.put("group", r.group()).put("version", r.version()).put("kind", r.kind());
                schema.putArray("x-kubernetes-group-version-kind").add(gvk);
                defs.set(schemaName(r), schema);
              });
    }
    return doc;
  }

  private static String hash(JsonNode doc) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(doc.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16).toUpperCase(java.util.Locale.ROOT);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
