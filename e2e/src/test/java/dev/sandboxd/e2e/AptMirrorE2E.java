package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hack/deps takes its Debian mirror from the machine's apt sources (hack/apt-mirror), never from the repository. */
class AptMirrorE2E {
  @TempDir Path etc;

  @Test
  void oneLineSourcesListGivesTheFirstDebLineOfTheSuiteWithMain() throws Exception {
    Files.writeString(etc.resolve("sources.list"), """
        # deb http://commented.invalid/debian bookworm main
        deb-src http://source-only.invalid/debian bookworm main
        deb http://other-suite.invalid/debian bookworm-updates main
        deb http://contrib-only.invalid/debian bookworm contrib
        deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror-one.invalid/debian bookworm contrib main # trailing
        deb http://second.invalid/debian bookworm main
        """);
    assertEquals("http://mirror-one.invalid/debian", mirror("bookworm"));
  }

  @Test
  void deb822SourcesAreRead() throws Exception {
    Files.createDirectories(etc.resolve("sources.list.d"));
    Files.writeString(etc.resolve("sources.list.d/debian.sources"), """
        Types: deb
        URIs: http://disabled.invalid/debian
        Suites: bookworm
        Components: main
        Enabled: no

        Types: deb-src deb
        # a comment inside a stanza
        URIs: http://mirror-822.invalid/debian
          http://mirror-822-second.invalid/debian
        Suites: bookworm bookworm-updates
        Components: main contrib
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
        """);
    // apt ignores names other than *.list and *.sources
    Files.writeString(etc.resolve("sources.list.d/old.list.disabled"), "deb http://ignored.invalid/debian bookworm main\n");
    assertEquals("http://mirror-822.invalid/debian", mirror("bookworm"));
  }

  @Test
  void noMatchingSourceIsAnErrorThatSaysWhatToSet() throws Exception {
    Files.writeString(etc.resolve("sources.list"), "deb http://x.invalid/debian trixie main\n");
    Node.Result r = run("bookworm");
    assertEquals(1, r.exitCode());
    assertTrue(r.stderr().contains("SANDBOXD_DEBIAN_MIRROR"), r.stderr());
  }

  /** No host of the machine's apt sources (its mirrors, even commented out) is written into a tracked file. */
  @Test
  void theRepositoryNamesNoMirror() throws Exception {
    List<String> hosts = new ArrayList<>();
    Matcher m = Pattern.compile("https?://([^/\\s\\]]+)").matcher(machineSources());
    while (m.find()) {
      hosts.add(m.group(1));
    }
    assertTrue(!hosts.isEmpty(), "this machine's apt sources name no host");
    for (String host : hosts) {
      Node.Result grep = Node.Command.run("git", "-C", Node.REPO.toString(), "grep", "-n", "-F", host);
      assertEquals("", grep.stdout(), "the repository names the mirror " + host);
    }
  }

  private static String machineSources() throws Exception {
    StringBuilder all = new StringBuilder();
    for (Path f : List.of(Path.of("/etc/apt/sources.list"), Path.of("/etc/apt/sources.list.d"))) {
      if (Files.isRegularFile(f)) {
        all.append(Files.readString(f));
      } else if (Files.isDirectory(f)) {
        try (var files = Files.list(f)) {
          for (Path p : files.filter(Files::isRegularFile).toList()) {
            all.append(Files.readString(p));
          }
        }
      }
    }
    return all.toString();
  }

  private String mirror(String suite) throws Exception {
    Node.Result r = run(suite);
    assertEquals(0, r.exitCode(), r.stderr());
    return r.stdout().trim();
  }

  private Node.Result run(String suite) throws Exception {
    return Node.Command.run(Node.REPO.resolve("hack/apt-mirror").toString(), suite,
        etc.resolve("sources.list").toString(), etc.resolve("sources.list.d").toString());
  }
}
