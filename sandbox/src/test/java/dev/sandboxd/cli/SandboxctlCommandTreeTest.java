package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** A command line that names its command gets a tree of that command alone; help sees them all. */
class SandboxctlCommandTreeTest {
  @ParameterizedTest(name = "[{0}] names {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "ps|ps",
      "--address /run/s.sock inspect web|inspect",
      "--address=/run/s.sock --timeout 5 logs web app|logs",
      "--timeout 5 -- ps|-",
      "--help|-",
      "-V|-",
      "''|-",
  })
  void theFirstWordThatIsNoRootOptionNorItsValueIsTheCommand(String line, String expected) {
    String[] args = line.isEmpty() ? new String[0] : line.split(" ");
    CommandLine root = new CommandLine(new Sandboxctl());
    assertEquals(Optional.ofNullable(expected), Sandboxctl.subcommandName(root.getCommandSpec(), args));
  }

  @Test
  void aNamedCommandIsTheOnlyOneBuilt() {
    CommandLine cli = Sandboxctl.commandLine(new Sandboxctl(), new String[] {"--address", "/x", "ps"});
    assertEquals(List.of("ps"), List.copyOf(cli.getSubcommands().keySet()));
  }

  @Test
  void anUnknownCommandSeesTheWholeTreeAndIsBadInput() {
    CommandLine cli = Sandboxctl.commandLine(new Sandboxctl(), new String[] {"pss"});
    assertTrue(cli.getSubcommands().keySet().containsAll(List.of("run", "ps", "inspect", "image", "completion")));
    StringWriter err = new StringWriter();
    int code = Sandboxctl.run(new String[] {"pss"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    assertEquals(2, code);
    assertTrue(err.toString().contains("Unmatched argument at index 0: 'pss'"), err.toString());
  }

  @Test
  void helpListsEveryVisibleCommandAndNoHiddenOne() {
    StringWriter out = new StringWriter();
    assertEquals(0, Sandboxctl.run(new String[] {"--help"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
    for (String command : List.of("run", "ps", "inspect", "logs", "exec", "stop", "rm", "stats", "pause", "unpause",
        "image", "events", "completion")) {
      assertTrue(out.toString().contains("  " + command + " "), command + " missing from\n" + out);
    }
    assertTrue(!out.toString().contains(CompletePodsCommand.NAME), out.toString());
  }
}
