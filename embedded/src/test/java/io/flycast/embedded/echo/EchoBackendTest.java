package io.flycast.embedded.echo;

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
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EchoBackendTest {
  EchoBackend echo;
  HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

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
    var r =
        http.send(
            HttpRequest.newBuilder(uri("/hello?x=1")).header("X-Custom", "a\"b").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body())
        .startsWith(
            "{\"pod\":\"echo-abcde\",\"method\":\"GET\",\"path\":\"/hello?x=1\",\"headers\":{")
        .contains("\"x-custom\":\"a\\\"b\"");
    var post =
        http.send(
            HttpRequest.newBuilder(uri("/p"))
                .POST(HttpRequest.BodyPublishers.ofString("body"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.body()).contains("\"method\":\"POST\"");
  }

  @Test
  void echoesFlyReplayWithAnEmptyBody() throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(uri("/"))
                .header("x-echo-fly-replay", "instance=abc;elsewhere=true")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("fly-replay")).hasValue("instance=abc;elsewhere=true");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void delaysWhenAsked() throws Exception {
    long t0 = System.nanoTime();
    var r =
        http.send(
            HttpRequest.newBuilder(uri("/slow")).header("x-echo-delay-ms", "300").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void streamsServerSentEvents() throws Exception {
    long t0 = System.nanoTime();
    var r =
        http.send(
            HttpRequest.newBuilder(uri("/sse")).build(), HttpResponse.BodyHandlers.ofInputStream());
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
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(19 * 100));
  }

  @Test
  void stopLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(uri("/sse")).build(), HttpResponse.BodyHandlers.ofInputStream());
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
    assertThatThrownBy(
            () ->
                fresh.send(
                    HttpRequest.newBuilder(uri("/after")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void keepsConnectionsAlive() throws Exception {
    try (var socket = new java.net.Socket("127.0.0.1", echo.address().getPort())) {
      var out = socket.getOutputStream();
      var in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      for (String path : List.of("/one", "/two")) {
        out.write(
            ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
        int length = -1;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
          if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
          read += in.read(body, read, length - read);
        }
        assertThat(new String(body)).contains("\"path\":\"" + path + "\"");
      }
    }
  }

  @Test
  void echoesWebSocketMessages() throws Exception {
    var received = new java.util.concurrent.LinkedBlockingQueue<String>();
    var ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + echo.address().getPort() + "/ws"),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket webSocket, CharSequence data, boolean last) {
                    received.add(data.toString());
                    webSocket.request(1);
                    return null;
                  }
                })
            .get(5, java.util.concurrent.TimeUnit.SECONDS);
    ws.sendText("hello", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(received.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("hello");
    ws.sendText("again", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(received.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("again");
    ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye")
        .get(5, java.util.concurrent.TimeUnit.SECONDS);
  }
}
