package io.flycast.proxy.http;

import static io.flycast.proxy.http.ExchangeState.AWAITING_RESPONSE;
import static io.flycast.proxy.http.ExchangeState.DIALING;
import static io.flycast.proxy.http.ExchangeState.DONE;
import static io.flycast.proxy.http.ExchangeState.READING_REQUEST;
import static io.flycast.proxy.http.ExchangeState.RELAYING;
import static io.flycast.proxy.http.ExchangeState.REPLAYING;
import static io.flycast.proxy.http.ExchangeState.UPGRADING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The exchange's state machine: the moves it makes, and none other. */
class ExchangeStateTest {
  @Test
  void theMovesOfARequestThatIsRetriedReplayedAndRelayedAreAllowed() {
    ExchangeState s = READING_REQUEST;
    s = s.to(DIALING);
    s = s.to(DIALING); // the preferred backends were out
    s = s.to(AWAITING_RESPONSE);
    s = s.to(DIALING); // the backend closed before answering: retried
    s = s.to(AWAITING_RESPONSE);
    s = s.to(REPLAYING);
    s = s.to(DIALING);
    s = s.to(AWAITING_RESPONSE);
    s = s.to(RELAYING);
    assertThat(s.to(DONE)).isEqualTo(DONE);
    assertThat(AWAITING_RESPONSE.to(UPGRADING).to(DONE)).isEqualTo(DONE);
  }

  @Test
  void everyStateButDoneMayEndAndDoneIsFinal() {
    for (ExchangeState s : ExchangeState.values()) {
      assertThat(s.mayGoTo(DONE)).as("%s to DONE", s).isEqualTo(s != DONE);
      assertThat(DONE.mayGoTo(s)).as("DONE to %s", s).isFalse();
    }
  }

  @Test
  void illegalTransitionsAreRefused() {
    assertThatThrownBy(() -> DONE.to(RELAYING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DONE")
        .hasMessageContaining("RELAYING");
    assertThatThrownBy(() -> DONE.to(DONE)).isInstanceOf(IllegalStateException.class);
    // A response that started cannot be retried or replayed: the client already has bytes of it.
    assertThatThrownBy(() -> RELAYING.to(DIALING)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RELAYING.to(REPLAYING)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> UPGRADING.to(RELAYING)).isInstanceOf(IllegalStateException.class);
    // No response without a backend, no replay without a response.
    assertThatThrownBy(() -> READING_REQUEST.to(RELAYING))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> DIALING.to(REPLAYING)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> REPLAYING.to(RELAYING)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void onlyRelayingAndUpgradingHaveAStartedResponse() {
    EnumSet<ExchangeState> started = EnumSet.noneOf(ExchangeState.class);
    for (ExchangeState s : ExchangeState.values()) {
      if (s.responseStarted()) {
        started.add(s);
      }
    }
    assertThat(started).containsExactlyInAnyOrder(RELAYING, UPGRADING);
  }
}
