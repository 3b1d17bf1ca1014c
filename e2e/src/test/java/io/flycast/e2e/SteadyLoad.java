package io.flycast.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Clients of a Service, each sending one request after another on a keep-alive HTTP/1.1 connection,
 * as an HTTP client library with a connection pool does. A client opens a connection to the
 * endpoint {@link ServiceEndpoints} picks and keeps it until the server says {@code Connection:
 * close} or it has sent {@code requestsPerConnection} on it (as clients and proxies cap a
 * connection's requests), then opens another: so new connections keep arriving, on every replica,
 * including one that is shutting down but still listed. Nothing is retried: every request that does
 * not come back 200 (refused, reset, cut short, an error status) is a failure.
 */
final class SteadyLoad implements AutoCloseable {
  /**
   * One request's outcome: when it ended, which process served it, and what went wrong if anything.
   */
  record Outcome(long endedNanos, FlycastProcess replica, String failure) {}

  private final ServiceEndpoints service;
  private final String host;
  private final int requestsPerConnection;
  private final ScheduledExecutorService clients;
  final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

  SteadyLoad(
      ServiceEndpoints service,
      String host,
      int clientCount,
      int requestsPerConnection,
      Duration pause) {
    this.service = service;
    this.host = host;
    this.requestsPerConnection = requestsPerConnection;
    this.clients = Executors.newScheduledThreadPool(clientCount);
    for (int i = 0; i < clientCount; i++) {
      Client c = new Client();
      clients.scheduleWithFixedDelay(c::sendOne, 0, pause.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  List<Outcome> failures() {
    return outcomes.stream().filter(o -> o.failure() != null).toList();
  }

  long servedBy(FlycastProcess replica, long sinceNanos) {
    return outcomes.stream()
        .filter(o -> o.failure() == null && o.replica() == replica && o.endedNanos() >= sinceNanos)
        .count();
  }

  long served() {
    return outcomes.stream().filter(o -> o.failure() == null).count();
  }

  /** The longest time between two successive successful responses, of any client. */
  Duration longestGap() {
    long[] ends =
        outcomes.stream()
            .filter(o -> o.failure() == null)
            .mapToLong(Outcome::endedNanos)
            .sorted()
            .toArray();
    long gap = 0;
    for (int i = 1; i < ends.length; i++) {
      gap = Math.max(gap, ends[i] - ends[i - 1]);
    }
    return Duration.ofNanos(gap);
  }

  /** Stops sending; requests under way finish first. */
  @Override
  public void close() throws InterruptedException {
    clients.shutdown();
    clients.awaitTermination(30, TimeUnit.SECONDS);
  }

  private final class Client {
    private Socket socket;
    private InputStream in;
    private FlycastProcess replica;
    private int sent;
    private int onThisConnection;

    void sendOne() {
      try {
        if (socket == null) {
          replica = service.pick();
          if (replica == null) {
            outcomes.add(new Outcome(System.nanoTime(), null, "no endpoint"));
            return;
          }
          socket = new Socket("127.0.0.1", replica.httpPort);
          socket.setSoTimeout(10_000);
          in = new BufferedInputStream(socket.getInputStream());
          onThisConnection = 0;
        }
        socket
            .getOutputStream()
            .write(
                ("GET /load/" + sent++ + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        Response r = read(in);
        outcomes.add(
            new Outcome(
                System.nanoTime(),
                replica,
                r.status == 200
                    ? null
                    : "status " + r.status + " from " + replica.httpPort + ": " + r.body));
        if (r.close || ++onThisConnection >= requestsPerConnection) {
          disconnect();
        }
      } catch (IOException | RuntimeException e) {
        // A runtime exception too (a garbled response): it must not end this client's schedule.
        outcomes.add(
            new Outcome(
                System.nanoTime(),
                replica,
                e + " on a connection to " + (replica == null ? "?" : replica.httpPort)));
        disconnect();
      }
    }

    private void disconnect() {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException ignored) {
        // closing a connection that is gone anyway
      }
      socket = null;
    }
  }

  private record Response(int status, boolean close, String body) {}

  /** One response: status line, headers, and a Content-Length or chunked body. */
  private static Response read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    boolean close = false;
    boolean chunked = false;
    int length = 0;
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("connection:") && lower.contains("close")) {
        close = true;
      } else if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      for (int size; (size = Integer.parseInt(line(in).trim(), 16)) > 0; line(in)) {
        body.write(in.readNBytes(size));
      }
      while (!line(in).isEmpty()) {
        // trailers
      }
    } else {
      byte[] b = in.readNBytes(length);
      if (b.length < length) {
        throw new IOException("response body cut short");
      }
      body.write(b);
    }
    return new Response(
        Integer.parseInt(status.split(" ")[1]), close, body.toString(StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1; ) {
      if (b == '\n') {
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
  }
}
