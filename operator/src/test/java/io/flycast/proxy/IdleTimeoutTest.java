package io.flycast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleTimeoutTest {
  private final List<Object> events = new ArrayList<>();
  private final EmbeddedChannel ch = new EmbeddedChannel();

  IdleTimeoutTest() {
    ch.freezeTime();
    ch.pipeline()
        .addLast(
            new IdleTimeout(Duration.ofSeconds(4)),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
              }
            });
  }

  private void after(long seconds) {
    for (long s = 0; s < seconds; s++) {
      ch.advanceTimeBy(1, TimeUnit.SECONDS);
      ch.runScheduledPendingTasks();
    }
  }

  @Test
  void aSilentChannelIsIdleAfterTheTimeoutAndNotLongAfter() {
    after(3);
    assertThat(events).as("before the timeout").isEmpty();
    after(2);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  @Test
  void readsAndWritesEachKeepItActive() {
    for (int i = 0; i < 4; i++) {
      after(2);
      if (i % 2 == 0) {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
      } else {
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1}));
      }
    }
    assertThat(events).as("8 s of traffic every 2 s").isEmpty();
    after(5);
    assertThat(events)
        .as("then 5 s of silence")
        .containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    ch.finishAndReleaseAll();
  }

  @Test
  void stopsLookingOnceTheChannelCloses() {
    ch.close();
    after(10);
    assertThat(events).isEmpty();
  }
}
