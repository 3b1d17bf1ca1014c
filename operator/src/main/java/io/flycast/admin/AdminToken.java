package io.flycast.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer token that opens the status page and {@code /debug/*} to clients that are not on
 * loopback. Holds only a digest of it, and never prints it.
 */
public final class AdminToken {
  private final byte[] digest;

  private AdminToken(String token) {
    this.digest = sha256(token);
  }

  /**
   * @throws IllegalArgumentException if the token is blank
   */
  public static AdminToken of(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the admin token is empty");
    }
    return new AdminToken(token.strip());
  }

  /**
   * The token in this file: its content, trimmed (a Secret or `echo` adds a trailing newline).
   *
   * @throws IllegalArgumentException if the file cannot be read or holds only whitespace
   */
  public static AdminToken read(Path file) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
    if (content.isBlank()) {
      throw new IllegalArgumentException(file + " is empty; put the token in it");
    }
    return new AdminToken(content.strip());
  }

  /**
   * Whether the client presented this token. Compares digests, which have one length whatever was
   * presented, with {@link MessageDigest#isEqual}, which takes the same time wherever they differ:
   * the time taken tells a guesser nothing about how close a guess was.
   */
  public boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(digest, sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "AdminToken[redacted]";
  }
}
