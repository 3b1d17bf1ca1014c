package io.flycast.embedded.echo;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1's text framing on blocking streams: CRLF lines, skipped bodies, ISO-8859-1 heads. */
final class HttpIo {
  /** The longest request line or header line read; a longer one ends the connection. */
  private static final int MAX_LINE = 64 * 1024;

  private HttpIo() {}

  /** A line without its CRLF (ISO-8859-1); null at end of stream before any byte. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int n = line.size();
        byte[] bytes = line.toByteArray();
        return new String(
            bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("line too long");
      }
      line.write(b);
    }
    if (line.size() == 0) {
      return null;
    }
    throw new EOFException();
  }

  /** Reads and drops {@code n} bytes. */
  static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException();
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  /** Writes {@code s} as ISO-8859-1 and flushes. */
  static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
