package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.flycast.catalog.CatalogStore;
import io.flycast.dns.RawDns.Header;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: the server must neither crash nor stop answering, and must answer FORMERR when the
 * header is readable.
 */
class DnsServerMalformedTest {
  /** RFC 1035 §3.2.2: type AAAA is 28 (RFC 3596). */
  private static final int AAAA = 28;

  /** RFC 1035 §4.1.1 rcodes. */
  private static final int NOERROR = 0;

  private static final int FORMERR = 1;
  private static final int SERVFAIL = 2;
  private static final int NOTIMP = 4;

  private final CatalogStore store = DnsTestCatalog.store();
  private DnsServer server;
  private DatagramSocket udp;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    // A visibility hook that throws for db.default: the handler must catch it.
    DnsVisibility exploding =
        (client, route) -> {
          if (route.key().equals(DnsTestCatalog.DB)) {
            throw new IllegalStateException("boom (test)");
          }
          return true;
        };
    server =
        new DnsServer(
            new InetSocketAddress("127.0.0.1", 0),
            store,
            null,
            exploding,
            new PrometheusRegistry());
    server.start();
    address = server.udpAddress();
    udp = new DatagramSocket();
    udp.setSoTimeout(5_000);
  }

  @AfterEach
  void stop() {
    udp.close();
    server.close();
  }

  @Test
  void randomGarbageDoesNotStopTheServer() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      byte[] junk = new byte[1 + random.nextInt(300)];
      random.nextBytes(junk);
      send(junk);
    }
    assertValidQueryAnswered(0x1234);
  }

  @Test
  void truncatedHeaderIsDropped() throws Exception {
    send(new byte[] {0x12, 0x34, 0x01});
    send(Arrays.copyOf(RawDns.header(0x4321, RawDns.FLAGS_RD, 1, 0, 0, 0), 11));
    send(new byte[0]);
    // Nothing comes back for them: the first reply is the valid query's.
    Header h = assertValidQueryAnswered(0x2222);
    assertThat(h.id()).isEqualTo(0x2222);
  }

  @Test
  void headerClaimingQuestionsThatAreNotThereIsFormErr() throws Exception {
    send(RawDns.header(0x5555, RawDns.FLAGS_RD, 5, 0, 0, 0));
    Header h = receive();
    assertThat(h.id()).isEqualTo(0x5555);
    assertThat(h.qr()).isTrue();
    assertThat(h.rcode()).isEqualTo(FORMERR);
    assertValidQueryAnswered(0x5556);
  }

  @Test
  void noQuestionIsFormErr() throws Exception {
    send(RawDns.header(0x6666, RawDns.FLAGS_RD, 0, 0, 0, 0));
    Header h = receive();
    assertThat(h.id()).isEqualTo(0x6666);
    assertThat(h.rcode()).isEqualTo(FORMERR);
  }

  @Test
  void twoQuestionsAreFormErr() throws Exception {
    byte[] q = RawDns.query(0x7777, "web.default.flycast", AAAA);
    byte[] two = new byte[12 + 2 * (q.length - 12)];
    System.arraycopy(q, 0, two, 0, q.length);
    System.arraycopy(q, 12, two, q.length, q.length - 12);
    two[5] = 2; // qdcount = 2
    send(two);
    Header h = receive();
    assertThat(h.id()).isEqualTo(0x7777);
    assertThat(h.rcode()).isEqualTo(FORMERR);
  }

  @Test
  void unsupportedOpcodeIsNotImp() throws Exception {
    byte[] status = RawDns.query(0x0404, "web.default.flycast", AAAA);
    status[2] |= (byte) (2 << 3); // opcode STATUS (RFC 1035 §4.1.1)
    send(status);
    Header h = receive();
    assertThat(h.id()).isEqualTo(0x0404);
    assertThat(h.rcode()).isEqualTo(NOTIMP);
  }

  @Test
  void responsesAreNeverAnswered() throws Exception {
    byte[] response = RawDns.query(0x0bad, "web.default.flycast", AAAA);
    response[2] |= (byte) 0x80; // QR = 1
    send(response);
    assertThat(assertValidQueryAnswered(0x3333).id()).isEqualTo(0x3333);
  }

  @Test
  void exceptionWhileAnsweringIsServFailAndTheServerKeepsServing() throws Exception {
    send(RawDns.query(0x0d0d, "_apps.internal", 16));
    Header h = receive();
    assertThat(h.id()).isEqualTo(0x0d0d);
    assertThat(h.rcode()).isEqualTo(SERVFAIL);
    assertValidQueryAnswered(0x0d0e);
  }

  @Test
  void tcpGarbageIsFormErrAndTheConnectionKeepsServing() throws Exception {
    try (Socket s = new Socket(address.getAddress(), server.tcpAddress().getPort())) {
      s.setSoTimeout(5_000);
      var out = s.getOutputStream();
      var in = new DataInputStream(s.getInputStream());
      out.write(RawDns.tcpFrame(RawDns.header(0x0101, RawDns.FLAGS_RD, 5, 0, 0, 0)));
      out.write(RawDns.tcpFrame(new byte[] {1, 2, 3}));
      out.write(RawDns.tcpFrame(RawDns.query(0x0102, "web.default.flycast", AAAA)));
      out.flush();
      Header formErr = readTcp(in);
      assertThat(formErr.id()).isEqualTo(0x0101);
      assertThat(formErr.rcode()).isEqualTo(FORMERR);
      Header ok = readTcp(in);
      assertThat(ok.id()).isEqualTo(0x0102);
      assertThat(ok.rcode()).isEqualTo(NOERROR);
      assertThat(ok.ancount()).isEqualTo(1);
    }
    // And UDP is unaffected.
    assertValidQueryAnswered(0x0103);
  }

  private static Header readTcp(DataInputStream in) throws IOException {
    int len = in.readUnsignedShort();
    byte[] msg = in.readNBytes(len);
    assertThat(msg).hasSize(len);
    return Header.parse(msg, len);
  }

  /** Sends a valid AAAA query and returns its response, skipping replies to earlier junk. */
  private Header assertValidQueryAnswered(int id) throws IOException {
    send(RawDns.query(id, "web.default.flycast", AAAA));
    for (int i = 0; i < 1_000; i++) {
      Header h = receive();
      if (h.id() == id) {
        assertThat(h.qr()).isTrue();
        assertThat(h.rcode()).isEqualTo(NOERROR);
        assertThat(h.qdcount()).isEqualTo(1);
        assertThat(h.ancount()).isEqualTo(1);
        return h;
      }
      // A reply to junk whose header happened to parse (FORMERR, or REFUSED for a junk name).
    }
    return fail("no answer for id %d", id);
  }

  private void send(byte[] message) throws IOException {
    udp.send(new DatagramPacket(message, message.length, address));
  }

  private Header receive() throws IOException {
    byte[] buf = new byte[4096];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    udp.receive(p);
    return Header.parse(buf, p.getLength());
  }
}
