package io.flycast.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressRangeTest {
  @Test
  void slash48PrefixUsesFlysServiceBlock() throws Exception {
    AddressRange r = AddressRange.forPrefix("fdaa:0:48c8::/48");
    assertThat(r.toString()).isEqualTo("fdaa:0:48c8:0:1::/80");
    assertThat(r.size()).isEqualTo((1L << 48) - 1);
    assertThat(r.at(0x1a)).isEqualTo(InetAddress.getByName("fdaa:0:48c8:0:1::1a"));
    assertThat(r.contains(InetAddress.getByName("fdaa:0:48c8:0:1::1a"))).isTrue();
    assertThat(r.contains(InetAddress.getByName("fdaa:0:48c8:0:2::1"))).isFalse();
  }

  @Test
  void networkAddressIsNeverInRange() throws Exception {
    AddressRange r = AddressRange.forPrefix("fdaa::/126");
    assertThat(r.size()).isEqualTo(3);
    assertThat(r.contains(InetAddress.getByName("fdaa::"))).isFalse();
    assertThat(r.at(1)).isEqualTo(InetAddress.getByName("fdaa::1"));
    assertThat(r.at(3)).isEqualTo(InetAddress.getByName("fdaa::3"));
    assertThatThrownBy(() -> r.at(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.at(4)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hugePrefixIsCappedNotOverflowed() {
    AddressRange r = AddressRange.forPrefix("fd00::/8");
    assertThat(r.toString()).isEqualTo("fd00::1:0:0:0/80");
    assertThat(r.size()).isPositive();
  }

  @Test
  void rejectsIpv4AndBareAddressesAndTooSmallPrefixes() {
    assertThatThrownBy(() -> AddressRange.forPrefix("10.0.0.0/8"))
        .hasMessageContaining("IPv6 CIDR");
    assertThatThrownBy(() -> AddressRange.forPrefix("fdaa::1")).hasMessageContaining("IPv6 CIDR");
    assertThatThrownBy(() -> AddressRange.forPrefix("fdaa::/127"))
        .hasMessageContaining("too small");
    assertThatThrownBy(() -> AddressRange.forPrefix("banana")).hasMessageContaining("banana");
  }

  @Test
  void ipv4AddressIsNotInAnIpv6Range() throws Exception {
    assertThat(AddressRange.forPrefix("fdaa::/64").contains(InetAddress.getByName("127.0.0.1")))
        .isFalse();
  }
}
