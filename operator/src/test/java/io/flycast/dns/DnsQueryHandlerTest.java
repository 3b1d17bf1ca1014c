package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Wire helpers of {@link DnsQueryHandler}. */
class DnsQueryHandlerTest {
  @Test
  void longTxtIsSplitInto255ByteCharacterStrings() {
    String text = "x".repeat(600);
    ByteBuf rdata = DnsQueryHandler.txtRdata(text);
    List<Integer> lengths = new ArrayList<>();
    StringBuilder joined = new StringBuilder();
    while (rdata.isReadable()) {
      int n = rdata.readUnsignedByte();
      lengths.add(n);
      joined.append(rdata.readCharSequence(n, StandardCharsets.UTF_8));
    }
    rdata.release();
    assertThat(lengths).containsExactly(255, 255, 90);
    assertThat(joined.toString()).isEqualTo(text);
  }

  @Test
  void shortTxtIsOneCharacterString() {
    ByteBuf rdata = DnsQueryHandler.txtRdata("web.default");
    assertThat(rdata.readUnsignedByte()).isEqualTo((short) 11);
    assertThat(rdata.readableBytes()).isEqualTo(11);
    rdata.release();
  }

  @Test
  void nameLengthIsTheUncompressedWireLength() {
    // 3 web 7 default 7 flycast 0
    assertThat(DnsQueryHandler.nameLength("web.default.flycast.")).isEqualTo(21);
    assertThat(DnsQueryHandler.nameLength("web.default.flycast")).isEqualTo(21);
    assertThat(DnsQueryHandler.nameLength(".")).isEqualTo(1);
  }
}
