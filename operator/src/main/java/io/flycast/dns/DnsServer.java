package io.flycast.dns;

import io.flycast.catalog.CatalogStore;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flycast DNS server: UDP and TCP on one address, answering {@code .flycast} and {@code
 * .internal} names from the catalog (see {@link FlycastDnsResolver} for the rules).
 *
 * <p>One event loop thread serves both transports: answering is a read of an immutable catalog
 * snapshot and never blocks, so more threads would buy nothing but contention on a 2-core node.
 *
 * <pre>{@code
 * DnsServer dns = new DnsServer(DnsServer.parseListen("127.0.0.1:5353"), store, "zone-a",
 *     DnsVisibility.ALLOW_ALL, PrometheusRegistry.defaultRegistry);
 * dns.start();
 * ...
 * dns.close();
 * }</pre>
 */
public final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);

  /**
   * RFC 7766 §6.2.3: servers should close idle TCP connections; a few seconds is enough for a
   * resolver that falls back to TCP after a truncated UDP answer and pipelines its queries.
   */
  static final int TCP_IDLE_SECONDS = 10;

  /** RFC 1035 §4.2.2: TCP messages are prefixed with a 2-byte length. */
  private static final int TCP_LENGTH_FIELD = 2;

  /**
   * Open TCP connections beyond this are closed at once, so slow or idle clients cannot exhaust
   * file descriptors (RFC 7766 §6.2.2 asks servers to bound their TCP resources). UDP, which
   * carries nearly all queries, is unaffected.
   */
  static final int MAX_TCP_CONNECTIONS = 512;

  /** With an ephemeral port, UDP binds first and TCP tries its port; retry if it is taken. */
  private static final int EPHEMERAL_BIND_ATTEMPTS = 10;

  private final InetSocketAddress listen;
  private final FlycastDnsResolver resolver;
  private final Counter queries;
  private final int maxTcpConnections;
  private EventLoopGroup group;
  private Channel udp;
  private Channel tcp;

  /**
   * @param listen where to listen, UDP and TCP (the {@code --dns-listen} flag); port 0 picks a free
   *     port, the same for both transports
   * @param catalog the routing table; each query reads {@link CatalogStore#current()}
   * @param localZone this node's zone, preferred by {@code top<N>.nearest.of}; may be null
   * @param visibility which routes a client may see
   * @param registry where {@code flycast_dns_queries_total} is registered (now, so one {@code
   *     DnsServer} per registry: a second registration of the name throws)
   */
  public DnsServer(
      InetSocketAddress listen,
      CatalogStore catalog,
      String localZone,
      DnsVisibility visibility,
      PrometheusRegistry registry) {
    this(listen, catalog, localZone, visibility, registry, MAX_TCP_CONNECTIONS);
  }

  /** As the public constructor, with a TCP connection limit (for tests). */
  DnsServer(
      InetSocketAddress listen,
      CatalogStore catalog,
      String localZone,
      DnsVisibility visibility,
      PrometheusRegistry registry,
      int maxTcpConnections) {
    this.maxTcpConnections = maxTcpConnections;
    this.listen = Objects.requireNonNull(listen, "listen");
    this.resolver = new FlycastDnsResolver(catalog::current, localZone, visibility);
    this.queries =
        Counter.builder()
            .name("flycast_dns_queries_total")
            .help("DNS queries answered, by response code")
            .labelNames("rcode")
            .register(registry);
  }

  /** As the full constructor, every route visible to every client. */
  public DnsServer(
      InetSocketAddress listen,
      CatalogStore catalog,
      String localZone,
      PrometheusRegistry registry) {
    this(listen, catalog, localZone, DnsVisibility.ALLOW_ALL, registry);
  }

  /**
   * Parses a {@code --dns-listen} value: {@code host:port}, {@code [v6]:port} or {@code :port} (all
   * addresses). The host must be a literal address, so parsing never does a DNS lookup.
   */
  public static InetSocketAddress parseListen(String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected host:port, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + value + "'", e);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      return new InetSocketAddress(port);
    }
    if (!host.contains(":") && !host.matches("[0-9.]+")) {
      throw new IllegalArgumentException("expected a literal IP address, got '" + host + "'");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address in '" + value + "'", e);
    }
  }

  /**
   * Binds UDP and TCP and starts answering. Returns once both are bound.
   *
   * @throws IllegalStateException when already started
   * @throws Exception when an address cannot be bound (the server is then closed)
   */
  public synchronized void start() throws Exception {
    if (group != null) {
      throw new IllegalStateException("already started");
    }
    group = new NioEventLoopGroup(1, new DefaultThreadFactory("flycast-dns", true));
    try {
      bind();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("DNS cannot listen on " + listen + ": " + e.getMessage(), e);
    }
    log.info("DNS listening on {} (udp) and {} (tcp)", udpAddress(), tcpAddress());
  }

  private void bind() throws InterruptedException {
    DnsQueryHandler udpHandler = new DnsQueryHandler(resolver, queries, false);
    QueryDecoder decoder = new QueryDecoder();
    DatagramDnsResponseEncoder udpEncoder =
        new DatagramDnsResponseEncoder(new CompressingRecordEncoder(0));
    Bootstrap ub =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(
                new ChannelInitializer<NioDatagramChannel>() {
                  @Override
                  protected void initChannel(NioDatagramChannel ch) {
                    ch.pipeline().addLast(decoder, udpEncoder, udpHandler);
                  }
                });

    DnsQueryHandler tcpHandler = new DnsQueryHandler(resolver, queries, true);
    TcpFrameToDatagram toDatagram = new TcpFrameToDatagram();
    TcpDnsResponseEncoder tcpEncoder =
        new TcpDnsResponseEncoder(new CompressingRecordEncoder(TCP_LENGTH_FIELD));
    TcpConnectionLimit limit = new TcpConnectionLimit(maxTcpConnections);
    ServerBootstrap tb =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            limit,
                            new IdleStateHandler(0, 0, TCP_IDLE_SECONDS, TimeUnit.SECONDS),
                            new CloseOnIdle(),
                            // The max counts the length field too.
                            new LengthFieldBasedFrameDecoder(
                                DnsQueryHandler.MAX_TCP_SIZE + TCP_LENGTH_FIELD,
                                0,
                                TCP_LENGTH_FIELD,
                                0,
                                TCP_LENGTH_FIELD),
                            toDatagram,
                            decoder,
                            tcpEncoder,
                            tcpHandler);
                  }
                });

    for (int attempt = 1; ; attempt++) {
      udp = ub.bind(listen).sync().channel();
      InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
      try {
        tcp = tb.bind(bound).sync().channel();
        return;
      } catch (Exception e) {
        udp.close().sync();
        udp = null;
        if (listen.getPort() != 0 || attempt >= EPHEMERAL_BIND_ATTEMPTS) {
          throw e;
        }
        log.debug("TCP port {} taken, picking another ephemeral port", bound.getPort());
      }
    }
  }

  /** The bound UDP address (the actual port when started with port 0), or null before start. */
  public synchronized InetSocketAddress udpAddress() {
    return udp == null ? null : (InetSocketAddress) udp.localAddress();
  }

  /** The bound TCP address, or null before start. Same port as UDP. */
  public synchronized InetSocketAddress tcpAddress() {
    return tcp == null ? null : (InetSocketAddress) tcp.localAddress();
  }

  /** Stops listening and releases the thread. Idempotent. */
  @Override
  public synchronized void close() {
    if (group == null) {
      return;
    }
    if (udp != null) {
      udp.close().syncUninterruptibly();
    }
    if (tcp != null) {
      tcp.close().syncUninterruptibly();
    }
    // No quiet period: nothing is queued that matters once the sockets are closed.
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    group = null;
    udp = null;
    tcp = null;
  }

  /** Closes TCP connections beyond a limit; counts the open ones. */
  @ChannelHandler.Sharable
  private static final class TcpConnectionLimit extends ChannelInboundHandlerAdapter {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    TcpConnectionLimit(int max) {
      this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      // Counted before the check: channelInactive follows every channelActive, also when closed
      // here.
      if (open.incrementAndGet() > max) {
        log.debug(
            "closing DNS TCP connection from {}: {} open", ctx.channel().remoteAddress(), max);
        ctx.close();
        return;
      }
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      open.decrementAndGet();
      super.channelInactive(ctx);
    }
  }

  /** Closes a TCP connection that has been idle for {@link #TCP_IDLE_SECONDS}. */
  private static final class CloseOnIdle extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }
}
