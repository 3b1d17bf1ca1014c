package io.flycast;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.local.LocalMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The developer's launcher: the operator's flags, plus embedded mode and its defaults. */
class LocalMainTest {
  /** Embedded Ctrl-C has no endpoint to wait for; without --embedded it is the operator's 10 s. */
  @Test
  void shutdownDelayIsZeroInEmbeddedModeUnlessSet() {
    Main main = new LocalMain();
    new CommandLine(main).parseArgs();
    assertThat(main.shutdownDelay()).hasSeconds(10);
    new CommandLine(main).parseArgs("--embedded");
    assertThat(main.shutdownDelay()).isZero();
    new CommandLine(main).parseArgs("--embedded", "--shutdown-delay=3s");
    assertThat(main.shutdownDelay()).hasSeconds(3);
  }

  @Test
  void helpListsTheOperatorsFlagsAndEmbeddedMode() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new LocalMain()).setOut(new PrintWriter(out));
    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString())
        .contains("--embedded", "--apply", "--state-dir", "--kubeconfig", "--shutdown-delay");
  }

  @Test
  void theOperatorsEntryPointHasNoEmbeddedMode() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main()).setErr(new PrintWriter(err));
    assertThat(cli.execute("--embedded")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("Unknown option: '--embedded'");
  }
}
