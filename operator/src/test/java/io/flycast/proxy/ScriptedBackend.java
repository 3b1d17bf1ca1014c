package io.flycast.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A raw-socket backend whose behaviour per connection is a script: it reads one request head and
 * hands the socket and head to the script. For misbehaving backends and protocol switches.
 */
public final class ScriptedBackend implements AutoCloseable {
  public interface Script {
    void run(Socket socket, String requestHead) throws IOException;
  }

  final ServerSocket server;
  public final List<String> heads = new CopyOnWriteArrayList<>();
  public final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
  private final Script script;

  public ScriptedBackend(String address, int port, Script script) throws IOException {
    this.script = script;
    server = new ServerSocket(port, 64, InetAddress.getByName(address));
    pool.submit(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  private Void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        pool.submit(() -> serve(s));
      } catch (IOException e) {
        return null;
      }
    }
    return null;
  }

  private Void serve(Socket s) throws IOException {
    try (s) {
      String head = readHead(s.getInputStream());
      heads.add(head);
      script.run(s, head);
    }
    return null;
  }

  /** Reads up to and including the blank line ending a request head. */
  public static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      buf.write(b);
      String s = buf.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s;
      }
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  public static void write(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }
}
