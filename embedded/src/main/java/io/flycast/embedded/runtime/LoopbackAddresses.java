package io.flycast.embedded.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod network's address allocator (the CNI's IPAM, on loopback): gives each pod its own
 * 127.0.0.x, x in 2..254, so that every pod can listen on its container port. Within a JVM a table
 * says which are taken; across JVMs (two Flycast processes, a test and a running operator) a lock
 * file per address under {@code java.io.tmpdir/flycast-loopback} does, held while the address is in
 * use and dropped by the OS when the JVM dies. An address whose port something else already listens
 * on is skipped too. The search starts at a random address, so that runtimes that predate the lock
 * files are unlikely to pick the same one.
 *
 * <p>Static: every runtime of the JVM shares the table, as they share the lock files.
 */
final class LoopbackAddresses {
  private static final Logger log = LoggerFactory.getLogger(LoopbackAddresses.class);
  private static final FileChannel[] locks = new FileChannel[256];
  private static int cursor = ThreadLocalRandom.current().nextInt(253);

  private LoopbackAddresses() {}

  /**
   * The last octet of a free 127.0.0.x (2..254) for {@code port}, or -1. Freed ones are reused
   * last.
   */
  static synchronized int allocate(int port) {
    for (int i = 0; i < 253; i++) {
      int x = 2 + (cursor + i) % 253;
      if (locks[x] != null) {
        continue;
      }
      FileChannel lock = lock(x);
      if (lock == null) {
        continue;
      }
      if (!bindable(address(x), port)) {
        closeQuietly(lock);
        continue;
      }
      locks[x] = lock;
      cursor = x - 1; // the next search starts after x
      return x;
    }
    return -1;
  }

  static synchronized void release(int octet) {
    FileChannel lock = locks[octet];
    locks[octet] = null;
    if (lock != null) {
      closeQuietly(lock);
    }
  }

  /** The address of an octet {@link #allocate} returned. */
  static String address(int octet) {
    return "127.0.0." + octet;
  }

  /** An open channel holding the address's lock file, or null when another process holds it. */
  private static FileChannel lock(int octet) {
    FileChannel ch = null;
    try {
      Path dir =
          Files.createDirectories(
              Path.of(System.getProperty("java.io.tmpdir"), "flycast-loopback"));
      ch =
          FileChannel.open(
              dir.resolve(address(octet) + ".lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      if (ch.tryLock() != null) {
        return ch;
      }
    } catch (IOException | OverlappingFileLockException e) {
      log.debug("loopback lock {}: {}", octet, e.toString());
    }
    if (ch != null) {
      closeQuietly(ch);
    }
    return null;
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // released anyway
    }
  }

  private static boolean bindable(String ip, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(ip, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
