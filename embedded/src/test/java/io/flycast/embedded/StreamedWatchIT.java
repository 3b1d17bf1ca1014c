package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plain HTTP watches ({@code ?watch=true} without a websocket, as kubectl and client-go send them)
 * streamed as chunked JSON lines, read with the JDK's HTTP client over a real socket.
 */
class StreamedWatchIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CMS = "/api/v1/namespaces/default/configmaps";
  private static EmbeddedApiServer api;
  private static KubernetesClient client;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  /** A watch being read: its response and every line received so far. */
  record Watch(HttpResponse<Stream<String>> response, List<JsonNode> events)
      implements AutoCloseable {
    List<String> lines(String type) {
      return events.stream()
          .filter(e -> type.equals(e.path("type").asText()))
          .map(e -> e.path("object").path("metadata").path("name").asText())
          .toList();
    }

    @Override
    public void close() {
      response.body().close();
    }
  }

  private static Watch watch(String query) throws Exception {
    HttpResponse<Stream<String>> response =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url() + CMS + "?watch=true&" + query)).build(),
            HttpResponse.BodyHandlers.ofLines());
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                response.body().forEach(l -> events.add(parse(l)));
              } catch (RuntimeException closed) {
                // the test closed the stream
              }
            });
    return new Watch(response, events);
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not a JSON line: " + line, e);
    }
  }

  private static ConfigMap configMap(String name, String app, String value) {
    return client
        .configMaps()
        .inNamespace("default")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("app", app)
                .endMetadata()
                .addToData("v", value)
                .build())
        .createOr(c -> c.update());
  }

  @Test
  void aLabelSelectedWatchFromTheListsVersionStreamsOnlyNewChangesOfItsObjects() throws Exception {
    configMap("sel-a", "sel-x", "1");
    configMap("sel-b", "sel-y", "1");
    String listVersion =
        client.configMaps().inNamespace("default").list().getMetadata().getResourceVersion();
    try (Watch w = watch("labelSelector=app%3Dsel-x&resourceVersion=" + listVersion)) {
      assertThat(w.response().statusCode()).isEqualTo(200);
      assertThat(w.response().headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(w.response().headers().firstValue("Transfer-Encoding")).hasValue("chunked");
      configMap("sel-b", "sel-y", "2");
      configMap("sel-a", "sel-x", "2");
      await().atMost(Duration.ofSeconds(10)).until(() -> w.lines("MODIFIED").contains("sel-a"));
      // Already listed: no ADDED replay; the other label's change is not this watch's.
      assertThat(w.events()).hasSize(1);
      assertThat(w.events().get(0).at("/object/data/v").asText()).isEqualTo("2");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> api.streamedWatches() == 0);
  }

  @Test
  void aWatchResumedFromTheLastVersionSeenGetsWhatChangedMeanwhile() throws Exception {
    configMap("resume-a", "resume", "1");
    configMap("resume-b", "resume", "1");
    String last;
    try (Watch w = watch("labelSelector=app%3Dresume")) {
      // No resourceVersion: every object the watch matches, as ADDED.
      await().until(() -> w.lines("ADDED").containsAll(List.of("resume-a", "resume-b")));
      last =
          w.events().stream()
              .map(e -> e.at("/object/metadata/resourceVersion").asText())
              .max((x, y) -> Long.compare(Long.parseLong(x), Long.parseLong(y)))
              .orElseThrow();
    }
    ConfigMap changed = configMap("resume-b", "resume", "while-away");
    try (Watch w = watch("labelSelector=app%3Dresume&resourceVersion=" + last)) {
      await().until(() -> w.lines("ADDED").contains("resume-b"));
      assertThat(w.events()).hasSize(1);
      assertThat(w.events().get(0).at("/object/metadata/resourceVersion").asText())
          .isEqualTo(changed.getMetadata().getResourceVersion());
    }
  }

  @Test
  void timeoutSecondsEndsTheStreamAfterABookmark() throws Exception {
    configMap("timeout-a", "timeout", "1");
    try (Watch w = watch("labelSelector=app%3Dtimeout&timeoutSeconds=1&allowWatchBookmarks=true")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> api.streamedWatches() == 0);
      assertThat(w.lines("ADDED")).containsExactly("timeout-a");
      JsonNode bookmark = w.events().get(w.events().size() - 1);
      assertThat(bookmark.path("type").asText()).isEqualTo("BOOKMARK");
      assertThat(bookmark.at("/object/kind").asText()).isEqualTo("ConfigMap");
      assertThat(bookmark.at("/object/metadata/resourceVersion").asText())
          .isEqualTo(w.events().get(0).at("/object/metadata/resourceVersion").asText());
    }
  }

  /**
   * A watch over a websocket, as Fabric8 asks for one: the same semantics, an event a text frame,
   * and the timeout a normal close.
   */
  @Test
  void aWebSocketWatchFromTheListsVersionGetsOnlyNewChangesThenABookmarkAndAClose()
      throws Exception {
    configMap("wsv-a", "wsv", "1");
    String listVersion =
        client.configMaps().inNamespace("default").list().getMetadata().getResourceVersion();
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    var closed = new java.util.concurrent.CompletableFuture<Integer>();
    URI uri =
        URI.create(
            api.url().replace("http://", "ws://")
                + CMS
                + "?watch=true&labelSelector=app%3Dwsv&allowWatchBookmarks=true&timeoutSeconds=2"
                + "&resourceVersion="
                + listVersion);
    http.newWebSocketBuilder()
        .buildAsync(
            uri,
            new java.net.http.WebSocket.Listener() {
              final StringBuilder text = new StringBuilder();

              @Override
              public java.util.concurrent.CompletionStage<?> onText(
                  java.net.http.WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                  events.add(parse(text.toString()));
                  text.setLength(0);
                }
                ws.request(1);
                return null;
              }

              @Override
              public java.util.concurrent.CompletionStage<?> onClose(
                  java.net.http.WebSocket ws, int status, String reason) {
                closed.complete(status);
                return null;
              }
            })
        .get(10, java.util.concurrent.TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> api.websocketWatches() == 1);
    configMap("wsv-a", "wsv", "2");
    assertThat(closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
    // Listed already: no ADDED replay; the change, then the bookmark at its version.
    assertThat(events)
        .extracting(e -> e.path("type").asText())
        .containsExactly("MODIFIED", "BOOKMARK");
    assertThat(events.get(1).at("/object/metadata/resourceVersion").asText())
        .isEqualTo(events.get(0).at("/object/metadata/resourceVersion").asText());
    await().atMost(Duration.ofSeconds(10)).until(() -> api.websocketWatches() == 0);
  }

  /**
   * An informer, as the operator runs them, keeps its watch across the bookmarks the front sends
   * and sees every change.
   */
  @Test
  void anInformerKeepsWatchingAcrossBookmarks() {
    api.front().bookmarkEvery(100);
    try (var informer =
        client.configMaps().inNamespace("default").withLabel("app", "inf").inform()) {
      configMap("inf-a", "inf", "1");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> informer.getStore().getByKey("default/inf-a") != null);
      long before = api.websocketWatches();
      long bookmarks = api.front().bookmarksSent().get();
      // Several bookmarks later, the same watch still delivers.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.front().bookmarksSent().get() >= bookmarks + 3);
      configMap("inf-a", "inf", "2");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> "2".equals(informer.getStore().getByKey("default/inf-a").getData().get("v")));
      assertThat(informer.isWatching()).isTrue();
      assertThat(api.websocketWatches()).isEqualTo(before);
    } finally {
      api.front().bookmarkEvery(java.util.concurrent.TimeUnit.MINUTES.toMillis(1));
    }
  }

  /** The watches of Fabric8's informers (websockets) reach the store through the front. */
  @Test
  void websocketWatchesStillWork() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (var watch =
        client
            .configMaps()
            .inNamespace("default")
            .withLabel("app", "ws")
            .watch(
                new Watcher<ConfigMap>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap cm) {
                    seen.add(action + " " + cm.getMetadata().getName());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      configMap("ws-a", "ws", "1");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ADDED ws-a"));
    }
    assertThat(api.streamedWatches()).isZero();
    // The client closed it: the store's watch is closed too.
    await().atMost(Duration.ofSeconds(10)).until(() -> api.websocketWatches() == 0);
  }
}
