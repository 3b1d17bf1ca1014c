package io.flycast.dns;

import java.net.InetSocketAddress;

/**
 * A message whose 12-byte header parsed but whose body did not: the handler answers it FORMERR (RFC
 * 1035 §4.1.1, rcode 1) with the header's id, so the client fails fast instead of timing out.
 *
 * @param id the query id, echoed in the response
 * @param opCode the header's opcode (4 bits), echoed
 * @param recursionDesired the header's RD bit, echoed (RFC 1035 §4.1.1)
 * @param sender the client
 * @param recipient our address the message arrived on
 */
record MalformedQuery(
    int id,
    byte opCode,
    boolean recursionDesired,
    InetSocketAddress sender,
    InetSocketAddress recipient) {}
