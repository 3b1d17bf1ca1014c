package io.flycast.proxy.upstream;

import io.flycast.catalog.ProxyProtoVersion;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The PROXY protocol header written first to a backend on {@code proxy_proto} ports, by the raw TCP
 * relay and by client-bound HTTP backend connections alike; {@link #NAME} names its encoder in the
 * backend pipeline.
 */
public final class ProxyProtocolHeader {
  public static final String NAME = "proxy-protocol";

  private ProxyProtocolHeader() {}

  /**
   * The PROXY header naming the client as source and the address it connected to as destination.
   */
  public static HAProxyMessage proxyHeader(
      ProxyProtoVersion version, SocketAddress src, SocketAddress dst) {
    InetSocketAddress s = (InetSocketAddress) src;
    InetSocketAddress d = (InetSocketAddress) dst;
    boolean v4 = s.getAddress() instanceof Inet4Address && d.getAddress() instanceof Inet4Address;
    return new HAProxyMessage(
        version == ProxyProtoVersion.V2 ? HAProxyProtocolVersion.V2 : HAProxyProtocolVersion.V1,
        HAProxyCommand.PROXY,
        v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        v4 ? s.getAddress().getHostAddress() : v6(s),
        v4 ? d.getAddress().getHostAddress() : v6(d),
        s.getPort(),
        d.getPort());
  }

  /**
   * IPv6 text of an address, mapping IPv4 into {@code ::ffff:a.b.c.d} when the other side is v6.
   */
  private static String v6(InetSocketAddress a) {
    if (a.getAddress() instanceof Inet4Address) {
      return "::ffff:" + a.getAddress().getHostAddress();
    }
    String s = a.getAddress().getHostAddress();
    int scope = s.indexOf('%');
    return scope < 0 ? s : s.substring(0, scope);
  }
}
