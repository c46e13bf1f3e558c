package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bash script of {@code sandboxctl completion bash}, run by bash as completion runs it: the
 * words typed so far in COMP_WORDS, the answer in COMPREPLY. Pod names come from a stand-in
 * {@code sandboxctl} on the PATH (the script calls the real one's hidden __complete-pods, tested
 * below against a stand-in sandboxd); it answers differently for another --address.
 */
class CompletionScriptTest {
  @TempDir Path dir;
  private Path script;
  private Path bin;

  @BeforeEach
  void writeScriptAndStub() throws IOException {
    StringWriter out = new StringWriter();
    assertEquals(0, Sandboxctl.run(new String[] {"completion", "bash"}, new PrintWriter(out, true), new PrintWriter(out, true)));
    script = Files.writeString(dir.resolve("sandboxctl.bash"), out.toString());
    bin = Files.createDirectories(dir.resolve("bin"));
    Path stub = Files.writeString(bin.resolve("sandboxctl"), """
        #!/bin/sh
        case "$*" in
          "--address /run/other.sock __complete-pods") echo other ;;
          "__complete-pods") printf 'web\\nweb-2\\nkube-system/dns\\n' ;;
        esac
        """);
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(delimiter = '|', value = {
      "''|run ps inspect logs exec port-forward stop rm stats pause unpause image events cri completion",
      "in|inspect",
      "inspect ''|web web-2 kube-system/dns",
      "inspect we|web web-2",
      "--timeout 5 stop k|kube-system/dns",
      "--address /run/other.sock rm ''|other",
      "logs web ''|''",
      "inspect -o ''|text wide json yaml",
      "inspect --|--output --address --timeout",
      "image ''|import ls rm pull prune",
      "completion ''|bash zsh",
      "exec web app -- s|''",
  })
  void completesCommandsOptionsAndPodNames(String typed, String expected) throws Exception {
    assertEquals(expected, complete(typed));
  }

  @Test
  void podNamesComeFromSandboxdThroughTheHiddenCommandInTheFormsPodAccepts() throws Exception {
    Path socket = dir.resolve("sandboxd.sock");
    try (TrainingSandboxd sandboxd = TrainingSandboxd.start(socket)) {
      StringWriter out = new StringWriter();
      int code = Sandboxctl.run(new String[] {"--address", socket.toString(), CompletePodsCommand.NAME},
          new PrintWriter(out, true), new PrintWriter(out, true));
      assertEquals(0, code, out.toString());
      assertEquals(TrainingSandboxd.POD_REFS, out.toString().lines().toList());
    }
  }

  /** COMPREPLY for the words typed after "sandboxctl", the last one being completed. */
  private String complete(String typed) throws Exception {
    String words = typed.isEmpty() ? "sandboxctl ''" : "sandboxctl " + typed.replace("''", "\"\"");
    String program = "source '" + script + "'\n"
        + "COMP_WORDS=(" + words + ")\n"
        + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        + "_sandboxctl\n"
        + "echo \"${COMPREPLY[*]}\"\n";
    ProcessBuilder builder = new ProcessBuilder("bash", "--norc", "-c", program).redirectErrorStream(true);
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process bash = builder.start();
    bash.getOutputStream().close();
    String out;
    try {
      out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    } finally {
      bash.waitFor(30, TimeUnit.SECONDS);
    }
    return out;
  }
}
