package io.flycast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Kubernetes API stand-in that holds a large cluster: list (in pages, with {@code limit} and
 * {@code continue}), watch (HTTP streaming, from any resourceVersion), get, create, replace, merge
 * and JSON patches, delete, the {@code status} subresource, label and field selectors. It knows no
 * schema and runs no controllers.
 *
 * <p>Why not the embedded API (Fabric8's mock server): its store scans every object on every
 * request and has no paging, so 120,000 objects take hours to create and its lists come in one
 * piece. Here reads walk a sorted map and writes log a change, so a write costs the same at any
 * size. Watches are plain HTTP: Fabric8 tries a WebSocket first, is answered 200, and falls back to
 * HTTP watches, as it does behind {@code kubectl proxy}.
 */
final class ScaleApiServer implements AutoCloseable {
  private final ApiObjects objects;
  private final HttpServer http;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  ScaleApiServer(ApiObjects objects) throws IOException {
    this.objects = objects;
    this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    http.setExecutor(threads);
    http.createContext("/", this::handle);
  }

  ScaleApiServer start() {
    http.start();
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  /** Writes a kubeconfig for this API. */
  Path writeKubeconfig(Path file) throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: scale
          cluster:
            server: %s
        contexts:
        - name: scale
          context:
            cluster: scale
            user: bench
            namespace: default
        current-context: scale
        users:
        - name: bench
          user:
            token: bench
        """
            .formatted(url()));
    return file;
  }

  /** A request's path, split: collection path, namespace, name, subresource. */
  record Target(String collection, String namespace, String name, String subresource) {
    String key() {
      return namespace == null ? name : namespace + "/" + name;
    }

    /**
     * {@code /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]]} or the same under {@code
     * /apis/GROUP/VERSION}; {@code /api/v1/namespaces/NAME} is a Namespace.
     */
    static Target of(String path) {
      String[] p = path.replaceAll("/+$", "").split("/");
      int base = "api".equals(p[1]) ? 3 : 4;
      if (p.length <= base) {
        return null;
      }
      String prefix = String.join("/", java.util.Arrays.copyOfRange(p, 0, base));
      String ns = null;
      int at = base;
      if ("namespaces".equals(p[at])
          && p.length > at + 2
          && !("status".equals(p[at + 2]) || "finalize".equals(p[at + 2]))) {
        ns = p[at + 1];
        at += 2;
      }
      String collection = prefix + "/" + p[at];
      return new Target(
          collection,
          ns,
          p.length > at + 1 ? p[at + 1] : null,
          p.length > at + 2 ? p[at + 2] : null);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getRawPath();
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      if ("/version".equals(path)) {
        send(ex, 200, "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-scale-bench\"}");
        return;
      }
      if (ex.getRequestHeaders().containsKey("Sec-WebSocket-Key")) {
        send(ex, 200, ""); // no WebSockets here: Fabric8 then watches over plain HTTP
        return;
      }
      Target t = path.startsWith("/api/") || path.startsWith("/apis/") ? Target.of(path) : null;
      if (t == null) {
        send(ex, 404, status(404, "NotFound", "no such path " + path));
        return;
      }
      String method = ex.getRequestMethod();
      if ("GET".equals(method) && t.name() == null) {
        if ("true".equals(q.get("watch")) || "1".equals(q.get("watch"))) {
          watch(ex, t, q);
        } else {
          list(ex, t, q);
        }
        return;
      }
      byte[] body = ex.getRequestBody().readAllBytes();
      switch (method) {
        case "GET" -> get(ex, t);
        case "POST" -> create(ex, t, ApiObjects.parse(new String(body, StandardCharsets.UTF_8)));
        case "PUT" -> replace(ex, t, ApiObjects.parse(new String(body, StandardCharsets.UTF_8)));
        case "PATCH" ->
            patch(
                ex,
                t,
                ex.getRequestHeaders().getFirst("Content-Type"),
                new String(body, StandardCharsets.UTF_8));
        case "DELETE" -> delete(ex, t, body);
        default -> send(ex, 405, status(405, "MethodNotAllowed", method));
      }
    } catch (Refused r) {
      send(ex, r.code, status(r.code, r.reason, r.getMessage()));
    } catch (RuntimeException e) {
      send(ex, 500, status(500, "InternalError", e.toString()));
    } finally {
      ex.close();
    }
  }

  private void get(HttpExchange ex, Target t) throws IOException {
    var s = objects.resource(t.collection()).objects.get(t.key());
    if (s == null) {
      throw new Refused(404, "NotFound", t.key() + " not found");
    }
    send(ex, 200, s.json());
  }

  private void create(HttpExchange ex, Target t, ObjectNode obj) throws IOException {
    ObjectNode meta = ApiObjects.metadata(obj);
    if (!meta.hasNonNull("name") && meta.hasNonNull("generateName")) {
      meta.put(
          "name", meta.get("generateName").asText() + UUID.randomUUID().toString().substring(0, 5));
    }
    if (t.namespace() != null) {
      meta.put("namespace", t.namespace());
    }
    String key = new Target(t.collection(), t.namespace(), meta.path("name").asText(), null).key();
    var stored =
        objects.write(
            t.collection(),
            key,
            (current, rv) -> {
              if (current != null) {
                throw new Refused(409, "AlreadyExists", key + " already exists");
              }
              meta.put("uid", UUID.randomUUID().toString());
              meta.put("creationTimestamp", ClusterObjects.TIME);
              meta.put("generation", 1);
              return obj;
            });
    send(ex, 201, stored.json());
  }

  private void replace(HttpExchange ex, Target t, ObjectNode obj) throws IOException {
    var stored =
        objects.write(
            t.collection(),
            t.key(),
            (current, rv) -> {
              if (current == null) {
                throw new Refused(404, "NotFound", t.key() + " not found");
              }
              String want = ApiObjects.metadata(obj).path("resourceVersion").asText("");
              if (!want.isEmpty()
                  && !want.equals(ApiObjects.metadata(current).path("resourceVersion").asText())) {
                throw new Refused(409, "Conflict", t.key() + ": the object has been modified");
              }
              return subresource(t, current, obj);
            });
    send(ex, 200, stored.json());
  }

  private void patch(HttpExchange ex, Target t, String type, String body) throws IOException {
    var stored =
        objects.write(
            t.collection(),
            t.key(),
            (current, rv) -> {
              if (current == null) {
                throw new Refused(404, "NotFound", t.key() + " not found");
              }
              JsonNode patch =
                  ApiObjects.parse(body.startsWith("[") ? "{\"p\":" + body + "}" : body);
              ObjectNode patched =
                  type != null && type.startsWith("application/json-patch")
                      ? (ObjectNode) JsonPatch.apply(patch.get("p"), current.deepCopy())
                      : (ObjectNode)
                          merge(
                              current.deepCopy(),
                              patch); // merge and strategic merge alike: no list keys here
              return subresource(t, current, patched);
            });
    send(ex, 200, stored.json());
  }

  /** A write to {@code /status} changes the status only; to the object, all but the status. */
  private static ObjectNode subresource(Target t, ObjectNode current, ObjectNode written) {
    ObjectNode out = current.deepCopy();
    if ("status".equals(t.subresource())) {
      if (written.has("status")) {
        out.set("status", written.get("status"));
      }
      return out;
    }
    written
        .fieldNames()
        .forEachRemaining(
            f -> {
              if (!"status".equals(f)) {
                out.set(f, written.get(f));
              }
            });
    return out;
  }

  private void delete(HttpExchange ex, Target t, byte[] body) throws IOException {
    String want =
        body.length == 0
            ? ""
            : ApiObjects.parse(new String(body, StandardCharsets.UTF_8))
                .path("preconditions")
                .path("resourceVersion")
                .asText("");
    var stored =
        objects.write(
            t.collection(),
            t.key(),
            (current, rv) -> {
              if (current == null) {
                throw new Refused(404, "NotFound", t.key() + " not found");
              }
              if (!want.isEmpty()
                  && !want.equals(ApiObjects.metadata(current).path("resourceVersion").asText())) {
                throw new Refused(409, "Conflict", t.key() + ": the object has been modified");
              }
              return null;
            });
    send(ex, 200, stored.json());
  }

  /** RFC 7386 JSON merge patch. */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode out =
        target != null && target.isObject()
            ? (ObjectNode) target
            : ApiObjects.JSON.createObjectNode();
    patch
        .properties()
        .forEach(
            e -> {
              if (e.getValue().isNull()) {
                out.remove(e.getKey());
              } else {
                out.set(e.getKey(), merge(out.get(e.getKey()), e.getValue()));
              }
            });
    return out;
  }

  /**
   * A page of a list: up to {@code limit} objects after the {@code continue} token's key, and a
   * token for the next page when there are more. Every page reports the first page's version, so a
   * watch from it replays whatever changed while the pages were read.
   */
  private void list(HttpExchange ex, Target t, Map<String, String> q) throws IOException {
    long limit = q.containsKey("limit") ? Long.parseLong(q.get("limit")) : Long.MAX_VALUE;
    String token = q.get("continue");
    long rv;
    String after = null;
    if (token != null && !token.isEmpty()) {
      int colon = token.indexOf(':');
      rv = Long.parseLong(token.substring(0, colon));
      after = token.substring(colon + 1);
    } else {
      rv = objects.version();
    }
    Predicate<String> accepts = filter(q);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = new java.io.BufferedOutputStream(ex.getResponseBody(), 1 << 16);
    String kind = objects.resource(t.collection()).kind;
    out.write(
        ("{\"apiVersion\":\"v1\",\"kind\":\""
                + (kind.isEmpty() ? "" : kind + "List")
                + "\",\"items\":[")
            .getBytes(StandardCharsets.UTF_8));
    long n = 0;
    String last = null;
    Iterator<Map.Entry<String, ApiObjects.Stored>> it = objects.from(t.collection(), after);
    boolean more = false;
    while (it.hasNext()) {
      var e = it.next();
      if (!inNamespace(t, e.getKey()) || !accepts.test(e.getValue().json())) {
        continue;
      }
      if (n == limit) {
        more = true;
        break;
      }
      out.write((n++ == 0 ? "" : ",").getBytes(StandardCharsets.UTF_8));
      out.write(e.getValue().json().getBytes(StandardCharsets.UTF_8));
      last = e.getKey();
    }
    String cont = more ? ",\"continue\":\"" + rv + ":" + last + "\"" : "";
    out.write(
        ("],\"metadata\":{\"resourceVersion\":\"" + rv + "\"" + cont + "}}")
            .getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /**
   * A watch: one JSON event per line, from the given resourceVersion on, until the client leaves.
   */
  private void watch(HttpExchange ex, Target t, Map<String, String> q) throws IOException {
    long from =
        q.containsKey("resourceVersion") && !q.get("resourceVersion").isEmpty()
            ? Long.parseLong(q.get("resourceVersion"))
            : objects.version();
    Predicate<String> accepts = filter(q);
    LinkedBlockingQueue<ApiObjects.Change> queue = new LinkedBlockingQueue<>();
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    out.flush();
    Runnable stop =
        objects.watch(
            t.collection(),
            from,
            c -> inNamespace(t, c.key()) && accepts.test(c.json()),
            queue::add);
    try {
      long timeout =
          q.containsKey("timeoutSeconds") ? Long.parseLong(q.get("timeoutSeconds")) : 3600;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
      while (System.nanoTime() < end) {
        ApiObjects.Change c = queue.poll(1, TimeUnit.SECONDS);
        if (c != null) {
          out.write(
              ("{\"type\":\"" + c.type() + "\",\"object\":" + c.json() + "}\n")
                  .getBytes(StandardCharsets.UTF_8));
          if (queue.isEmpty()) {
            out.flush();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stop.run();
    }
  }

  private static boolean inNamespace(Target t, String key) {
    return t.namespace() == null || key.startsWith(t.namespace() + "/");
  }

  /**
   * The label and field selectors of a request, as a test on an object's JSON (parsed only when
   * there are any).
   */
  private static Predicate<String> filter(Map<String, String> q) {
    String labels = q.getOrDefault("labelSelector", "");
    String fields = q.getOrDefault("fieldSelector", "");
    if (labels.isEmpty() && fields.isEmpty()) {
      return json -> true;
    }
    return json -> {
      ObjectNode o = ApiObjects.parse(json);
      JsonNode l = o.path("metadata").path("labels");
      for (String req : labels.isEmpty() ? new String[0] : labels.split(",")) {
        if (!matches(req, k -> l.hasNonNull(k) ? l.get(k).asText() : null)) {
          return false;
        }
      }
      for (String req : fields.isEmpty() ? new String[0] : fields.split(",")) {
        if (!matches(
            req, k -> ApiObjects.at(o, k).isValueNode() ? ApiObjects.at(o, k).asText() : null)) {
          return false;
        }
      }
      return true;
    };
  }

  /** One requirement: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k} or {@code !k}. */
  private static boolean matches(String req, java.util.function.Function<String, String> value) {
    if (req.contains("!=")) {
      String[] kv = req.split("!=", 2);
      return !kv[1].equals(value.apply(kv[0]));
    }
    if (req.contains("=")) {
      String[] kv = req.split("==?", 2);
      return kv[1].equals(value.apply(kv[0]));
    }
    return req.startsWith("!") ? value.apply(req.substring(1)) == null : value.apply(req) != null;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new HashMap<>();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        int eq = kv.indexOf('=');
        q.put(
            URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
            eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return q;
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
  }

  private static String status(int code, String reason, String message) {
    ObjectNode s = ApiObjects.JSON.createObjectNode();
    s.put("apiVersion", "v1")
        .put("kind", "Status")
        .put("status", "Failure")
        .put("message", message)
        .put("reason", reason)
        .put("code", code);
    return s.toString();
  }

  /** A write the API refuses, with its HTTP code and Status reason. */
  static final class Refused extends RuntimeException {
    final int code;
    final String reason;

    Refused(int code, String reason, String message) {
      super(message);
      this.code = code;
      this.reason = reason;
    }
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
  }
}
