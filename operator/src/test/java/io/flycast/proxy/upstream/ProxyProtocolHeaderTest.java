package io.flycast.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.proxy.TestRoutes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The PROXY protocol header sent before a relayed connection's first bytes. */
class ProxyProtocolHeaderTest {
  private static final InetSocketAddress CLIENT =
      new InetSocketAddress(TestRoutes.ip("192.0.2.7"), 50000);
  private static final InetSocketAddress V4_DST =
      new InetSocketAddress(TestRoutes.ip("10.1.2.3"), 5432);
  private static final InetSocketAddress V6_DST =
      new InetSocketAddress(TestRoutes.ip("fdaa::5"), 5432);

  private static ByteBuf encode(HAProxyMessage msg) {
    EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    ch.writeOutbound(msg);
    ByteBuf out = ch.readOutbound();
    ch.finishAndReleaseAll();
    return out;
  }

  @Test
  void v1IsOneTextLine() {
    ByteBuf out = encode(ProxyProtocolHeader.proxyHeader(ProxyProtoVersion.V1, CLIENT, V4_DST));
    assertThat(out.toString(StandardCharsets.US_ASCII))
        .isEqualTo("PROXY TCP4 192.0.2.7 10.1.2.3 50000 5432\r\n");
    out.release();
  }

  @Test
  void v2IsBinaryWithTheSignature() {
    ByteBuf out = encode(ProxyProtocolHeader.proxyHeader(ProxyProtoVersion.V2, CLIENT, V4_DST));
    // 12-byte signature, version 2 + PROXY command (0x21), TCP over IPv4 (0x11), length 12.
    assertThat(ByteBufUtil.hexDump(out, 0, 16))
        .isEqualTo("0d0a0d0a000d0a515549540a" + "2111" + "000c");
    assertThat(out.readableBytes()).isEqualTo(16 + 12);
    out.release();
  }

  @Test
  void ipv4ClientOfAnIpv6AddressIsMappedIntoIpv6() {
    HAProxyMessage msg = ProxyProtocolHeader.proxyHeader(ProxyProtoVersion.V1, CLIENT, V6_DST);
    assertThat(msg.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP6);
    assertThat(msg.sourceAddress()).isEqualTo("::ffff:192.0.2.7");
    assertThat(msg.destinationAddress()).isEqualTo("fdaa:0:0:0:0:0:0:5");
    msg.release();
  }
}
