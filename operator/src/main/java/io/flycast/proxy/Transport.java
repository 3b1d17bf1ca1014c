package io.flycast.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The socket transport: native epoll on Linux when it loads, NIO otherwise. */
record Transport(
    String name,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel,
    boolean epoll) {

  static Transport select(boolean preferEpoll) {
    if (preferEpoll && Epoll.isAvailable()) {
      return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class, true);
    }
    return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, false);
  }

  EventLoopGroup newGroup(int threads, String threadName) {
    DefaultThreadFactory tf = new DefaultThreadFactory(threadName, true);
    return epoll ? new EpollEventLoopGroup(threads, tf) : new NioEventLoopGroup(threads, tf);
  }
}
