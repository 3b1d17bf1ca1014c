package io.flycast.dns;

import io.netty.handler.codec.dns.DnsRecord;

/**
 * How large a UDP response may be: the smallest of what the client can receive, {@value
 * #MAX_UDP_SIZE} bytes, and {@value #AMPLIFICATION_FACTOR} times the query.
 *
 * <p>Why the query's size bounds the response. UDP does not verify a source address: a query with a
 * forged source makes us send the response to the victim, and every byte we answer beyond the
 * query's own is amplification the attacker gets for free. A size cap alone bounds the response,
 * not the ratio: under the 512 and 1232-byte caps, the smallest query with a large answer ({@code
 * _apps.internal} TXT, 32 bytes, 43 with EDNS) got 16 and 28 times its size back. Three times is
 * the limit QUIC sets for an address it has not validated (RFC 9000 §8.1), which is where a UDP DNS
 * server always is; below that, reflecting off us gains an attacker little over any UDP service.
 *
 * <p>What it costs: a larger answer goes out truncated (TC) and the client asks again over TCP, one
 * more round trip, whose handshake proves the address. Answer owner names are compressed ({@link
 * CompressingRecordEncoder}), so common answers still fit one datagram: for {@code
 * web.default.internal}, 4 A or 2 AAAA records to a 38-byte query without EDNS (glibc's), 8 A or 4
 * AAAA to dig's 61-byte query with EDNS and a cookie.
 */
final class UdpResponseLimit {
  /** RFC 1035 §4.2.1: without EDNS, a UDP message is at most 512 bytes. */
  static final int CLASSIC_UDP_SIZE = 512;

  /**
   * The largest UDP response we send and the size we advertise in our OPT record: 1232 bytes is the
   * DNS Flag Day 2020 value, which avoids IP fragmentation on any path with an MTU of 1280 (the
   * IPv6 minimum).
   */
  static final int MAX_UDP_SIZE = 1232;

  /** RFC 9000 §8.1: at most three times the bytes received from an unvalidated address. */
  static final int AMPLIFICATION_FACTOR = 3;

  private UdpResponseLimit() {}

  /**
   * The limit for one query.
   *
   * @param queryBytes the query's size on the wire
   * @param opt the query's OPT record, or null when it has none (no EDNS)
   */
  static int bytes(int queryBytes, DnsRecord opt) {
    // RFC 6891 §6.2.5: the requestor's payload size is in the OPT's class; below 512 means 512.
    int client =
        opt == null ? CLASSIC_UDP_SIZE : Math.max(CLASSIC_UDP_SIZE, opt.dnsClass() & 0xffff);
    return Math.min(Math.min(client, MAX_UDP_SIZE), AMPLIFICATION_FACTOR * queryBytes);
  }
}
