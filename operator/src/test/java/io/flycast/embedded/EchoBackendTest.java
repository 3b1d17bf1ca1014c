package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EchoBackendTest {
  EchoBackend echo;
  HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws IOException {
    echo = EchoBackend.start(new InetSocketAddress("127.0.0.1", 0), "echo-abcde");
  }

  @AfterEach
  void stop() {
    echo.stop(0);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + echo.address().getPort() + path);
  }

  @Test
  void answersJsonNamingThePod() throws Exception {
    var r = http.send(HttpRequest.newBuilder(uri("/hello?x=1")).header("X-Custom", "a\"b").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body())
        .startsWith("{\"pod\":\"echo-abcde\",\"method\":\"GET\",\"path\":\"/hello?x=1\",\"headers\":{")
        .contains("\"x-custom\":\"a\\\"b\"");
    var post = http.send(HttpRequest.newBuilder(uri("/p")).POST(HttpRequest.BodyPublishers.ofString("body")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.body()).contains("\"method\":\"POST\"");
  }

  @Test
  void echoesFlyReplayWithAnEmptyBody() throws Exception {
    var r = http.send(HttpRequest.newBuilder(uri("/")).header("x-echo-fly-replay", "instance=abc;elsewhere=true").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("fly-replay")).hasValue("instance=abc;elsewhere=true");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void delaysWhenAsked() throws Exception {
    long t0 = System.nanoTime();
    var r = http.send(HttpRequest.newBuilder(uri("/slow")).header("x-echo-delay-ms", "300").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void streamsServerSentEvents() throws Exception {
    long t0 = System.nanoTime();
    var r = http.send(HttpRequest.newBuilder(uri("/sse")).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<String> data = new ArrayList<>();
    try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          data.add(line.substring(6));
        }
      }
    }
    assertThat(data).hasSize(20).startsWith("1", "2").endsWith("20");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(19 * 100));
  }

  @Test
  void stopLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
    var r = http.send(HttpRequest.newBuilder(uri("/sse")).build(), HttpResponse.BodyHandlers.ofInputStream());
    List<String> data = new ArrayList<>();
    CompletableFuture<Void> stopping = null;
    try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          data.add(line.substring(6));
          if (stopping == null) {
            // The stream is in flight: stop now; it must still run to the end.
            stopping = CompletableFuture.runAsync(() -> echo.stop(10));
          }
        }
      }
    }
    assertThat(data).hasSize(20);
    stopping.get();
    HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    assertThatThrownBy(() -> fresh.send(HttpRequest.newBuilder(uri("/after")).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void expandsVariablesLikeKubernetes() {
    var env = java.util.Map.of("POD_IP", "127.0.0.9", "PORT", "9000");
    assertThat(LocalRuntime.expand("--bind $(POD_IP):$(PORT) $(MISSING) $$(POD_IP) $HOME", env))
        .isEqualTo("--bind 127.0.0.9:9000 $(MISSING) $(POD_IP) $HOME");
    assertThat(LocalRuntime.parseDelay("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(LocalRuntime.parseDelay("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(LocalRuntime.parseDelay("1.5")).isEqualTo(Duration.ofMillis(1500));
    assertThat(LocalRuntime.parseDelay("soon")).isEqualTo(Duration.ZERO);
  }
}
