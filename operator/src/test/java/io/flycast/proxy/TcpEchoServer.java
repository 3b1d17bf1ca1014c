package io.flycast.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP echo server on 127.0.0.1: echoes every byte, and when the client half-closes, finishes
 * echoing and half-closes too. With {@code expectProxyHeader}, first reads one PROXY protocol v1
 * line and keeps it in {@link #proxyHeader}.
 */
final class TcpEchoServer implements AutoCloseable {
  final ServerSocket server;
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicReference<String> proxyHeader = new AtomicReference<>();
  private final boolean expectProxyHeader;
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

  TcpEchoServer(boolean expectProxyHeader) throws IOException {
    this.expectProxyHeader = expectProxyHeader;
    server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
    pool.submit(this::acceptLoop);
  }

  TcpEchoServer() throws IOException {
    this(false);
  }

  int port() {
    return server.getLocalPort();
  }

  private Void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        pool.submit(() -> echo(s));
      } catch (IOException e) {
        return null;
      }
    }
    return null;
  }

  private Void echo(Socket s) throws IOException {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (expectProxyHeader) {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
          line.append((char) b);
        }
        proxyHeader.set(line.toString().trim());
      }
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
      }
      out.flush();
      s.shutdownOutput();
    }
    return null;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    server.close();
    pool.shutdownNow();
  }
}
