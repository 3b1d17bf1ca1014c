package io.flycast.network;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fdaa::/16}; a bare address is a block of
 * one. IPv4-mapped IPv6 clients ({@code ::ffff:10.1.2.3}, as a dual-stack socket may report them)
 * match IPv4 blocks.
 *
 * @param network the block's first address bytes (4 or 16)
 * @param prefixLength how many leading bits must match
 */
// The array is copied in and out, and equals, hashCode and toString go by its content: what the
// check warns of does not happen here.
@SuppressWarnings("ArrayRecordComponent")
public record Cidr(byte[] network, int prefixLength) {
  public Cidr {
    network = network.clone();
    if (prefixLength < 0 || prefixLength > network.length * 8) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
    }
  }

  /** A copy: the record must stay immutable. */
  @Override
  public byte[] network() {
    return network.clone();
  }

  /**
   * Parses {@code addr/len} or a bare address, literal only (never DNS).
   *
   * @throws IllegalArgumentException when {@code text} is not an address block
   */
  public static Cidr parse(String text) {
    IPAddress a = new IPAddressString(text.trim()).getAddress();
    if (a == null) {
      throw new IllegalArgumentException("not an address or CIDR block: '" + text + "'");
    }
    Integer len = a.getNetworkPrefixLength();
    // "10.1.2.3/8" means the block 10.0.0.0/8: keep the network part only.
    return new Cidr(
        (len == null ? a : a.toPrefixBlock()).getLower().getBytes(),
        len == null ? a.getBitCount() : len);
  }

  /** Parses a comma-separated list; blank gives an empty list. */
  public static List<Cidr> parseList(String text) {
    List<Cidr> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(parse(part));
      }
    }
    return out;
  }

  /** Whether {@code address} lies in this block. */
  public boolean contains(InetAddress address) {
    byte[] a = unmapped(address).getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  /** {@code ::ffff:a.b.c.d} as {@code a.b.c.d}; anything else unchanged. */
  public static InetAddress unmapped(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] b = address.getAddress();
      boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        try {
          return (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
        } catch (UnknownHostException e) {
          throw new AssertionError(e);
        }
      }
    }
    return address;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c
        && c.prefixLength == prefixLength
        && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
