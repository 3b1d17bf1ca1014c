package io.flycast.allocation;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.math.BigInteger;
import java.net.InetAddress;

/** The block Flycast addresses come from, with offset arithmetic done by the IPAddress library. */
public final class AddressRange {
  /** Service addresses sit at {@code <64-bit prefix>:0001::/80} (Fly's {@code …:0:1::n}). */
  private static final int SERVICE_BLOCK_BITS = 80;

  private static final IPAddress SERVICE_SUBNET_ID =
      new IPAddressString("0:0:0:0:1::").getAddress();

  private final IPAddress block;
  private final IPAddress lower;
  private final long size;

  private AddressRange(IPAddress block) {
    this.block = block;
    this.lower = block.getLower().withoutPrefixLength();
    BigInteger count = block.getCount();
    // Offset 0 is the network address and is never handed out (like the ClusterIP allocator).
    this.size = count.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue() - 1;
  }

  /**
   * The range for a configured prefix (e.g. {@code fdaa:0:48c8::/48}).
   *
   * @throws IllegalArgumentException when the prefix is not an IPv6 CIDR
   */
  public static AddressRange forPrefix(String cidr) {
    IPAddress p = new IPAddressString(cidr).getAddress();
    if (p == null || !p.isIPv6() || p.getNetworkPrefixLength() == null) {
      throw new IllegalArgumentException(
          "prefix must be an IPv6 CIDR such as fdaa:0:48c8::/48, got '" + cidr + "'");
    }
    int len = p.getNetworkPrefixLength();
    if (len > 126) {
      throw new IllegalArgumentException(
          "prefix " + cidr + " is too small: it must leave at least 2 host bits");
    }
    IPAddress block = p.toPrefixBlock();
    if (len <= 64) {
      IPAddress base =
          block
              .getLower()
              .withoutPrefixLength()
              .mask(new IPAddressString("ffff:ffff:ffff:ffff::").getAddress());
      block = base.bitwiseOr(SERVICE_SUBNET_ID).setPrefixLength(SERVICE_BLOCK_BITS).toPrefixBlock();
    }
    return new AddressRange(block);
  }

  /** How many addresses can be handed out (capped at {@link Long#MAX_VALUE} - 1). */
  public long size() {
    return size;
  }

  public boolean contains(InetAddress address) {
    IPAddress a = new IPAddressString(address.getHostAddress()).getAddress();
    return a != null && block.contains(a) && !a.equals(lower);
  }

  /** The address at an offset in [1, size]. */
  public InetAddress at(long offset) {
    if (offset < 1 || offset > size) {
      throw new IllegalArgumentException("offset " + offset + " outside [1, " + size + "]");
    }
    return lower.increment(offset).toInetAddress();
  }

  /** The block in CIDR notation. */
  @Override
  public String toString() {
    return block.toCanonicalString();
  }
}
