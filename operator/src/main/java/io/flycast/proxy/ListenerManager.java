package io.flycast.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedicated listeners: one socket per distinct service port, bound to one (usually wildcard)
 * address. Binding is asynchronous and failures are logged, not thrown: one unbindable port
 * (privileged, taken) must not stop the others.
 */
final class ListenerManager {
  private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);

  private final ServerBootstrap bootstrap;
  private final InetAddress bindAddress;
  private final ConcurrentHashMap<Integer, ChannelFuture> listeners = new ConcurrentHashMap<>();

  ListenerManager(ServerBootstrap bootstrap, InetAddress bindAddress) {
    this.bootstrap = bootstrap;
    this.bindAddress = bindAddress;
  }

  /** Opens a listener for every port in {@code ports} that has none. */
  synchronized void ensure(Set<Integer> ports) {
    for (int port : ports) {
      listeners.computeIfAbsent(port, this::bind);
    }
  }

  /** Opens listeners for {@code ports} and closes listeners of every other port. */
  synchronized void sync(Set<Integer> ports) {
    for (Integer port : new HashSet<>(listeners.keySet())) {
      if (!ports.contains(port)) {
        ChannelFuture f = listeners.remove(port);
        f.channel().close();
        log.info("closed dedicated listener on port {}", port);
      }
    }
    ensure(ports);
  }

  private ChannelFuture bind(int port) {
    InetSocketAddress at = new InetSocketAddress(bindAddress, port);
    ChannelFuture f = bootstrap.bind(at);
    f.addListener(
        r -> {
          if (r.isSuccess()) {
            log.info("dedicated listener on {}", at);
          } else {
            log.warn("cannot listen on {}: {}", at, r.cause().toString());
            listeners.remove(port, f);
          }
        });
    return f;
  }

  /**
   * Waits (not on an event loop) until the listeners of {@code ports} are bound or failed, at most
   * {@code timeoutMillis} in all; true when all of them are bound.
   */
  boolean awaitBound(Set<Integer> ports, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    for (int port : ports) {
      ChannelFuture f = listeners.get(port);
      long left = deadline - System.nanoTime();
      if (f == null
          || left <= 0
          || !f.await(left, java.util.concurrent.TimeUnit.NANOSECONDS)
          || !f.isSuccess()) {
        return false;
      }
    }
    return true;
  }

  /** Ports with a bound, open listener. */
  Set<Integer> boundPorts() {
    Set<Integer> out = new HashSet<>();
    listeners.forEach(
        (port, f) -> {
          if (f.isSuccess() && f.channel().isActive()) {
            out.add(port);
          }
        });
    return out;
  }

  /** Closes every listener (accepted connections stay open). */
  synchronized void closeAll() {
    for (ChannelFuture f : listeners.values()) {
      Channel ch = f.channel();
      ch.close().syncUninterruptibly();
    }
    listeners.clear();
  }
}
