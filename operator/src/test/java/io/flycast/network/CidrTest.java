package io.flycast.network;

import static io.flycast.network.NetworkPolicyTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Parsing and matching of {@code --trusted-cidrs} blocks. */
class CidrTest {
  @Test
  void matchesByPrefix() {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    assertThat(ten.contains(ip("10.200.1.1"))).isTrue();
    assertThat(ten.contains(ip("11.0.0.1"))).isFalse();
    Cidr odd = Cidr.parse("192.168.4.0/22");
    assertThat(odd.contains(ip("192.168.7.255"))).isTrue();
    assertThat(odd.contains(ip("192.168.8.0"))).isFalse();
    assertThat(Cidr.parse("fdaa:0:48c8::/48").contains(ip("fdaa:0:48c8::1:2"))).isTrue();
    assertThat(Cidr.parse("fdaa:0:48c8::/48").contains(ip("10.0.0.1"))).isFalse();
  }

  @Test
  void bareAddressIsABlockOfOne() {
    Cidr one = Cidr.parse(" 127.0.0.1 ");
    assertThat(one.contains(ip("127.0.0.1"))).isTrue();
    assertThat(one.contains(ip("127.0.0.2"))).isFalse();
    assertThat(Cidr.parse("::1").contains(ip("::1"))).isTrue();
  }

  @Test
  void parsesLists() {
    assertThat(Cidr.parseList("")).isEmpty();
    assertThat(Cidr.parseList(null)).isEmpty();
    assertThat(Cidr.parseList("10.0.0.0/8, ::1/128"))
        .containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1"));
    assertThat(Cidr.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
  }

  @Test
  void rejectsNames() {
    assertThatThrownBy(() -> Cidr.parse("example.com"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
