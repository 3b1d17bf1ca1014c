package io.flycast.dns;

import io.netty.handler.codec.dns.DatagramDnsQuery;

/**
 * A decoded query and its size on the wire, which bounds the size of a UDP response ({@link
 * UdpResponseLimit}). The handler releases {@code query}.
 *
 * @param query the decoded message
 * @param wireBytes the message's length as received (without TCP's length prefix)
 */
record ReceivedQuery(DatagramDnsQuery query, int wireBytes) {}
