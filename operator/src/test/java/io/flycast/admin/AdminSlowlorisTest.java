package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The attack an outside security test found: hundreds of clients that open a connection and send
 * their request head a byte at a time, forever. The kubelet's /healthz probe must still get its
 * answer at once, and the slow clients must be cut off.
 */
class AdminSlowlorisTest {
  /** How late a slow client may be closed after its request timeout, on a busy machine. */
  private static final Duration MARGIN = Duration.ofMillis(1500);

  @Test
  void healthzAnswersWithinASecondWhile600SlowClientsAreConnected() throws Exception {
    Duration requestTimeout = Duration.ofSeconds(3);
    try (AdminServer admin =
            new TestAdmin()
                .startOnLoopback(
                    AdminAccess.loopbackOnly(),
                    AdminLimits.DEFAULT.withRequestTimeout(requestTimeout));
        SlowClients slow = SlowClients.open(admin.address(), 600)) {
      // The flood is on: the admin port holds as many connections as it allows, all slow ones.
      await().atMost(Duration.ofSeconds(2)).until(() -> admin.openConnections() >= 200);

      for (int i = 0; i < 10; i++) {
        long start = System.nanoTime();
        RawClient.Response r =
            RawClient.exchange(admin.address(), RawClient.get("/healthz"), Duration.ofSeconds(1));
        assertThat(r.status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      }
      assertThat(admin.openConnections()).isLessThanOrEqualTo(AdminLimits.DEFAULT.maxConnections());

      slow.assertAllClosedWithin(requestTimeout.plus(MARGIN));
    }
  }

  @Test
  void aClientTricklingItsHeadGets408AndIsClosedAtTheRequestTimeout() throws Exception {
    Duration requestTimeout = Duration.ofSeconds(1);
    try (AdminServer admin =
            new TestAdmin()
                .startOnLoopback(
                    AdminAccess.loopbackOnly(),
                    AdminLimits.DEFAULT.withRequestTimeout(requestTimeout));
        SlowClients slow = SlowClients.open(admin.address(), 20)) {
      slow.assertAllClosedWithin(requestTimeout.plus(MARGIN));
      // Under the connection limit, none was shed: each was answered by the request timeout.
      assertThat(slow.clients).allSatisfy(c -> assertThat(c.firstLine).startsWith("HTTP/1.1 408"));
    }
  }

  @Test
  void aClientThatConnectsAndSendsNothingGets408AtTheRequestTimeout() throws Exception {
    Duration requestTimeout = Duration.ofSeconds(1);
    try (AdminServer admin =
            new TestAdmin()
                .startOnLoopback(
                    AdminAccess.loopbackOnly(),
                    AdminLimits.DEFAULT.withRequestTimeout(requestTimeout));
        RawClient silent = new RawClient(admin.address(), Duration.ofSeconds(5))) {
      long start = System.nanoTime();
      assertThat(silent.read().status()).isEqualTo(408);
      assertThat(silent.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(requestTimeout.plus(MARGIN));
    }
  }

  @Test
  void aBodyThatNeverEndsIsOnTheSameClock() throws Exception {
    Duration requestTimeout = Duration.ofSeconds(1);
    try (AdminServer admin =
            new TestAdmin()
                .startOnLoopback(
                    AdminAccess.loopbackOnly(),
                    AdminLimits.DEFAULT.withRequestTimeout(requestTimeout));
        RawClient c = new RawClient(admin.address(), Duration.ofSeconds(5))) {
      long start = System.nanoTime();
      // A complete head, then a chunked body whose end never comes.
      c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(408);
      assertThat(c.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(requestTimeout.plus(MARGIN));
    }
  }

  @Test
  void atTheConnectionLimitANewClientShedsTheOldestIdleConnection() throws Exception {
    try (AdminServer admin =
        new TestAdmin()
            .startOnLoopback(
                AdminAccess.loopbackOnly(), AdminLimits.DEFAULT.withMaxConnections(8))) {
      List<RawClient> silent = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          silent.add(new RawClient(admin.address(), Duration.ofMillis(300)));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> admin.openConnections() == 8);

        RawClient.Response r =
            RawClient.exchange(admin.address(), RawClient.get("/healthz"), Duration.ofSeconds(1));

        assertThat(r.status()).isEqualTo(200);
        assertThat(silent.get(0).closedByServer()).as("the oldest idle connection").isTrue();
        assertThat(silent.get(7).closedByServer()).as("the newest one").isFalse();
        assertThat(admin.openConnections()).isLessThanOrEqualTo(8);
      } finally {
        for (RawClient c : silent) {
          c.close();
        }
      }
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    Duration idle = Duration.ofMillis(500);
    try (AdminServer admin =
            new TestAdmin()
                .startOnLoopback(
                    AdminAccess.loopbackOnly(), AdminLimits.DEFAULT.withIdleTimeout(idle));
        RawClient c = new RawClient(admin.address(), Duration.ofSeconds(5))) {
      assertThat(c.send(RawClient.get("/healthz")).read().status()).isEqualTo(200);
      assertThat(c.send(RawClient.get("/healthz")).read().status()).as("kept alive").isEqualTo(200);
      long start = System.nanoTime();
      assertThat(c.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(idle.plus(MARGIN));
    }
  }

  /**
   * Slowloris clients: each connects, sends the start of a request line, then one more byte every
   * 300 ms, which no read or idle timeout would ever fire on. A virtual thread per client reads
   * what the server sends and notes when it closes the connection.
   */
  static final class SlowClients implements AutoCloseable {
    static final class Client {
      final Socket socket;
      final long openedAt;
      volatile long closedAt;
      volatile String firstLine = "";

      Client(Socket socket) {
        this.socket = socket;
        this.openedAt = System.nanoTime();
      }

      boolean closed() {
        return closedAt != 0;
      }
    }

    final List<Client> clients = new ArrayList<>();
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();

    static SlowClients open(InetSocketAddress server, int n) throws IOException {
      SlowClients s = new SlowClients();
      for (int i = 0; i < n; i++) {
        Socket socket = new Socket();
        socket.connect(server, 5000);
        Client c = new Client(socket);
        s.clients.add(c);
        socket.getOutputStream().write("GET /heal".getBytes(StandardCharsets.US_ASCII));
        s.readers.execute(() -> s.readUntilClosed(c));
      }
      s.trickle.scheduleAtFixedRate(s::oneMoreByte, 300, 300, TimeUnit.MILLISECONDS);
      return s;
    }

    private void readUntilClosed(Client c) {
      try {
        c.socket.setSoTimeout(30_000);
        InputStream in = c.socket.getInputStream();
        byte[] head = in.readNBytes(12);
        c.firstLine = new String(head, StandardCharsets.US_ASCII);
        while (in.read() != -1) {
          // the rest of the server's answer, up to its end of stream
        }
      } catch (IOException e) {
        // reset by the server: closed too
      }
      c.closedAt = System.nanoTime();
    }

    private void oneMoreByte() {
      for (Client c : clients) {
        if (!c.closed()) {
          try {
            c.socket.getOutputStream().write('h');
          } catch (IOException e) {
            // the server closed it; the reader notes when
          }
        }
      }
    }

    /**
     * Every client's connection was closed by the server no later than {@code limit} after it
     * opened.
     */
    void assertAllClosedWithin(Duration limit) {
      Client last = clients.get(clients.size() - 1);
      Duration wait =
          limit.minus(Duration.ofNanos(System.nanoTime() - last.openedAt)).plusSeconds(1);
      await()
          .atMost(wait.isNegative() ? Duration.ofSeconds(1) : wait)
          .until(() -> clients.stream().allMatch(Client::closed));
      assertThat(clients)
          .allSatisfy(
              c ->
                  assertThat(Duration.ofNanos(c.closedAt - c.openedAt)).isLessThanOrEqualTo(limit));
    }

    @Override
    public void close() throws IOException {
      trickle.shutdownNow();
      for (Client c : clients) {
        c.socket.close();
      }
      readers.shutdownNow();
    }
  }
}
