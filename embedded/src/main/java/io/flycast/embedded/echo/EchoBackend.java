package io.flycast.embedded.echo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The built-in workload of the embedded runtime: a small HTTP/1.1 server, started as one process
 * per pod. It is written on plain sockets and virtual threads, with no dependency, so that a pod's
 * JVM listens about 100 ms after it starts (a Netty version took 4 times as long). This class
 * listens and drains; {@link HttpConnection} serves each connection.
 *
 * <p>Configured by the environment: {@code BIND_ADDRESS} (default 127.0.0.1), {@code PORT} (default
 * 8080), {@code POD_NAME}, {@code START_DELAY_MS} (wait that long before listening, to emulate a
 * slow cold start), {@code READY_DELAY_MS} (how long after listening {@code GET /ready} still
 * answers 503: an app that accepts connections before it can serve, which only an HTTP readiness
 * probe tells apart), {@code WARM_UP} ({@code true}: answer a few requests to itself before
 * listening, see {@link #warmUp}) and {@code GRACE_SECONDS} (how long SIGTERM waits for in-flight
 * requests).
 *
 * <p>Every request gets 200 and JSON {@code {"pod":..., "method":..., "path":..., "headers":{...}}}
 * (and response headers {@code x-echo-pod} and {@code x-echo-in-flight}, the requests this pod was
 * serving at that moment, this one included: what a test reads a pod's concurrency from), except:
 * request header {@code x-echo-fly-replay: V} answers with response header {@code fly-replay: V}
 * and an empty body; {@code x-echo-delay-ms: N} waits N ms first; {@code x-echo-cache-control: V}
 * answers with {@code Cache-Control: V} (to try a route's response cache); {@code GET /sse} streams
 * {@code data: n} events every 100 ms, 20 of them; {@code /ws} is a WebSocket echo (each data frame
 * comes back as sent, pings get pongs). Connections are kept alive (HTTP/1.1; request bodies by
 * length or chunked). SIGTERM closes the listener and idle connections and lets in-flight requests
 * finish (up to the grace period), each connection closing after its last response.
 */
public final class EchoBackend {
  private final ServerSocket listener;
  private final String podName;
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Notified when the last in-flight request finishes. */
  private final Object drained = new Object();

  private volatile boolean stopping;

  /** When {@code GET /ready} starts to pass ({@link System#nanoTime()}); 0: at once. */
  private volatile long readyAtNanos;

  private EchoBackend(ServerSocket listener, String podName) {
    this.listener = listener;
    this.podName = podName;
  }

  /** Binds and starts serving. */
  public static EchoBackend start(InetSocketAddress bind, String podName) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    try {
      listener.bind(bind, 128);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    EchoBackend echo = new EchoBackend(listener, podName);
    echo.listeningSince = Instant.now();
    Thread.ofPlatform().daemon().name("echo-accept").start(echo::acceptLoop);
    return echo;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  /**
   * Stops accepting, closes idle connections, waits up to {@code graceSeconds} for in-flight
   * requests, then closes the rest.
   */
  public synchronized void stop(int graceSeconds) {
    if (stopping) {
      return;
    }
    stopping = true;
    HttpIo.closeQuietly(listener);
    for (HttpConnection c : connections) {
      if (c.idle()) {
        c.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    synchronized (drained) {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          drained.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (HttpConnection c : connections) {
      c.close();
    }
  }

  private void acceptLoop() {
    while (!stopping) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        if (stopping) {
          return;
        }
        continue;
      }
      if (stopping) {
        HttpIo.closeQuietly(s);
        return;
      }
      HttpConnection c = new HttpConnection(this, s);
      connections.add(c);
      Thread.ofVirtual().name("echo-conn").start(c::run);
    }
  }

  // ---------------------------------------------------------------- for the connections

  String podName() {
    return podName;
  }

  /** Once true, connections answer their current request with {@code Connection: close} and end. */
  boolean stopping() {
    return stopping;
  }

  /** {@code GET /ready} answers 503 for {@code delay} from now, then 200. */
  public EchoBackend readyAfter(Duration delay) {
    readyAtNanos = System.nanoTime() + delay.toNanos();
    return this;
  }

  /** Whether {@code GET /ready} passes now. */
  boolean ready() {
    return readyAtNanos == 0 || System.nanoTime() - readyAtNanos >= 0;
  }

  private final java.util.concurrent.atomic.AtomicBoolean answeredReady =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** When it bound its port: connections are accepted (and answered) from then on. */
  private volatile Instant listeningSince;

  /** Set on the throwaway instance {@link #warmUp} serves itself from: it logs nothing. */
  private volatile boolean warmingUp;

  /**
   * {@code GET /ready} was answered 200 for the first time: logs the instant, what a benchmark
   * times the app's first answer by (a fresh JVM's first request costs tens of ms of class
   * loading).
   */
  void readyAnswered() {
    if (!warmingUp && answeredReady.compareAndSet(false, true)) {
      System.out.println(Instant.now() + " echo backend " + podName + " first answered /ready");
      System.out.flush();
    }
  }

  /** Requests being served now. */
  int inFlight() {
    return inFlight.get();
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestFinished() {
    if (inFlight.decrementAndGet() == 0) {
      synchronized (drained) {
        drained.notifyAll();
      }
    }
  }

  void closed(HttpConnection c) {
    connections.remove(c);
  }

  // ---------------------------------------------------------------- as a pod's process

  /**
   * Serves a few requests to itself on a throwaway loopback port before it listens for real, so
   * that its first real answer does not pay for a fresh JVM's class loading (tens of ms): then
   * "listening" means "answering", as for a service that warms up before it takes traffic. The
   * cold-start benchmark sets it, so that what it counts as the app's start is the app's.
   */
  static void warmUp(String podName) {
    EchoBackend warm;
    try {
      warm = start(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), podName);
    } catch (IOException e) {
      return; // no loopback: start cold
    }
    warm.warmingUp = true;
    try {
      for (String path : List.of("/ready", "/", "/ready", "/")) {
        try (Socket s = new Socket()) {
          s.connect(warm.address(), 1000);
          s.setSoTimeout(1000);
          s.getOutputStream()
              .write(
                  ("GET " + path + " HTTP/1.1\r\nHost: warm-up\r\nConnection: close\r\n\r\n")
                      .getBytes(StandardCharsets.ISO_8859_1));
          s.getInputStream().readAllBytes();
        }
      }
    } catch (IOException e) {
      // a warm-up that fails costs only speed
    } finally {
      warm.stop(0);
    }
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  public static void main(String[] args) throws Exception {
    String host = env("BIND_ADDRESS", "127.0.0.1");
    int port = Integer.parseInt(env("PORT", "8080"));
    String pod = env("POD_NAME", "echo");
    long startDelay = Long.parseLong(env("START_DELAY_MS", "0"));
    int grace = Integer.parseInt(env("GRACE_SECONDS", "5"));
    if (startDelay > 0) {
      Thread.sleep(startDelay);
    }
    if (Boolean.parseBoolean(env("WARM_UP", "false"))) {
      warmUp(pod);
    }
    EchoBackend echo =
        start(new InetSocketAddress(host, port), pod)
            .readyAfter(Duration.ofMillis(Long.parseLong(env("READY_DELAY_MS", "0"))));
    // From the runtime's launch of this process when it says (precise), else from the process
    // start time the OS reports (its boot-time base is whole seconds).
    String launched = System.getenv("FLYCAST_LAUNCHED_AT");
    Instant started =
        launched != null
            ? Instant.parse(launched)
            : ProcessHandle.current().info().startInstant().orElse(null);
    Instant listening = echo.listeningSince;
    long upMillis = started == null ? -1 : Duration.between(started, listening).toMillis();
    System.out.println(
        listening
            + " echo backend "
            + pod
            + " listening on "
            + host
            + ":"
            + echo.address().getPort()
            + " ("
            + upMillis
            + " ms after start, start delay "
            + startDelay
            + " ms, launched "
            + started
            + ")");
    System.out.flush();
    // SIGTERM runs shutdown hooks: stop listening, let in-flight requests finish, then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> echo.stop(grace), "echo-stop"));
    Thread.currentThread().join();
  }
}
