package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The man pages made from the command model render with man(1), and groff finds nothing wrong in them. */
class ManPagesTest {
  @TempDir Path dir;

  @Test
  void manSandboxctlRunRendersItsNameSynopsisAndOptions() throws Exception {
    ManPages.main(new String[] {dir.resolve("man1").toString()});
    // man -M DIR NAME: the way `man sandboxctl-run` finds it once the pages are on the MANPATH
    String page = run(Map.of("MANPAGER", "cat", "MANWIDTH", "100"), "man", "-M", dir.toString(), "sandboxctl-run");
    for (String expected : List.of("NAME", "sandboxctl-run - Runs a pod from a Kubernetes v1 Pod manifest.",
        "SYNOPSIS", "sandboxctl run", "-f, --filename=<file>", "the Pod manifest (YAML or JSON); - for stdin",
        "--lenient", "--address=<address>", "SEE ALSO", "sandboxctl(1)")) {
      assertTrue(page.contains(expected), "no \"" + expected + "\" in\n" + page);
    }
  }

  @Test
  void theMainPageListsEveryCommandWithItsPageAndNoHiddenOne() {
    Map<String, String> pages = ManPages.pages(Sandboxctl.commandLine(new Sandboxctl()).getCommandSpec());
    assertTrue(pages.keySet().containsAll(List.of("sandboxctl", "sandboxctl-run", "sandboxctl-ps", "sandboxctl-pause",
        "sandboxctl-unpause", "sandboxctl-image", "sandboxctl-image-import", "sandboxctl-completion")), pages.keySet().toString());
    assertTrue(pages.keySet().stream().noneMatch(name -> name.contains(CompletePodsCommand.NAME)), pages.keySet().toString());
    assertTrue(pages.get("sandboxctl").contains("See \\fBsandboxctl\\-image\\fR(1)."), pages.get("sandboxctl"));
  }

  @Test
  void everyPageIsCleanRoff() throws Exception {
    ManPages.main(new String[] {dir.toString()});
    try (var files = Files.list(dir)) {
      for (Path page : files.toList()) {
        // -ww: every warning; -z: no output, only the diagnostics
        assertEquals("", run(Map.of(), "groff", "-man", "-ww", "-z", page.toString()), page.toString());
      }
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "--address|\\-\\-address",
      ".starts a request|\\&.starts a request",
      "'also one|\\&'also one",
      "a\\b|a\\eb",
  })
  void textIsEscapedForRoff(String text, String expected) {
    assertEquals(expected, ManPages.escape(text));
  }

  private static String run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hangs");
    assertEquals(0, process.exitValue(), out);
    return out;
  }
}
