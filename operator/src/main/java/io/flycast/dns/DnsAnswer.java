package io.flycast.dns;

import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * What the resolver answers to one question: a response code and the answer records, all owned by
 * the question's name. Plain values (no Netty buffers), so the logic is testable without sockets.
 *
 * @param rcode the response code (RFC 1035 §4.1.1)
 * @param records the answer section, in order
 */
public record DnsAnswer(DnsResponseCode rcode, List<AnswerRecord> records) {
  /** RFC 8020: the name does not exist, and neither does anything under it. */
  static final DnsAnswer NXDOMAIN = new DnsAnswer(DnsResponseCode.NXDOMAIN, List.of());

  /** RFC 1035 §4.1.1 REFUSED: not a zone this server is authoritative for. */
  static final DnsAnswer REFUSED = new DnsAnswer(DnsResponseCode.REFUSED, List.of());

  /** RFC 2308 §2.2 NODATA: the name exists but has no records of the asked type. */
  static final DnsAnswer NODATA = new DnsAnswer(DnsResponseCode.NOERROR, List.of());

  public DnsAnswer {
    records = List.copyOf(records);
  }

  /** A NOERROR answer with these records (NODATA when empty). */
  static DnsAnswer of(List<? extends AnswerRecord> records) {
    return records.isEmpty()
        ? NODATA
        : new DnsAnswer(DnsResponseCode.NOERROR, List.copyOf(records));
  }

  /** One answer record. The owner name is the question's, as the client spelled it. */
  public sealed interface AnswerRecord permits Address, Text {
    /** Seconds a resolver may cache the record. */
    long ttl();
  }

  /**
   * An A (IPv4) or AAAA (IPv6) record, by the address's family.
   *
   * @param address the address
   * @param ttl seconds
   */
  public record Address(InetAddress address, long ttl) implements AnswerRecord {
    /** Whether this is an A record (else AAAA). */
    public boolean isIpv4() {
      return address instanceof Inet4Address;
    }
  }

  /**
   * A TXT record holding one logical string; the wire encoding splits it into 255-byte
   * character-strings that clients concatenate.
   *
   * @param text the value
   * @param ttl seconds
   */
  public record Text(String text, long ttl) implements AnswerRecord {}
}
