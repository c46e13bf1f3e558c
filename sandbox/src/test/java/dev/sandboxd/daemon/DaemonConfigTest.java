package dev.sandboxd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.containerlog.LogRotation;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.podfiles.ClusterDns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DaemonConfigTest {
  @TempDir Path dir;

  @Test
  void flagsOverrideTheFileWhichOverridesTheDefaults() throws Exception {
    Path file = file("root: /srv/sandboxd\nnamespace: from-file\npodPidsLimit: 100\n");

    DaemonConfig cfg = fromArgs("--config", file.toString(), "--namespace", "from-flag", "--cgroup-missing", "warn");

    assertEquals("from-flag", cfg.namespace());
    assertEquals("/srv/sandboxd", cfg.root());
    assertEquals(100, cfg.podPidsLimit());
    assertEquals(ResourcePolicy.MissingController.warn, cfg.cgroupMissing());
    assertEquals("/run/containerd/containerd.sock", cfg.containerdAddress());
    assertEquals(DaemonConfig.DEFAULTS, fromArgs());
  }

  @Test
  void anEmptyFileOrAKeyWithoutValueMeansTheDefaults() throws Exception {
    assertEquals(DaemonConfig.DEFAULTS, fromArgs("--config", file("").toString()));
    assertEquals(DaemonConfig.DEFAULTS, fromArgs("--config", file("root:\n").toString()));
  }

  @Test
  void anUnknownKeyInTheFileIsNamed() throws Exception {
    Path file = file("rootDir: /srv\n");
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> fromArgs("--config", file.toString()));
    assertTrue(e.getMessage().startsWith(file + ": unknown setting \"rootDir\""), e.getMessage());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "restartBackoff | 10 s     | is not a duration such as 500ms, 10s or 5m",
      "podPidsLimit   | lots     | is not a whole number",
      "podPidsLimit   | -2       | must be -1 or 0 (no limit) or positive",
      "cgroupMissing  | ignore   | is not one of reject, warn",
      "root           | relative | must be an absolute path",
      "namespace      | bad ns   | is not a valid containerd namespace",
      "cgroupParent   | /a/../b  | must not contain \"..\"",
      "manifestDir    | pods     | must be an absolute path",
      "metricsAddress | 9450     | (want host:port, or \"\" for none)",
      "clusterDns     | 10.96.0.10,kube-dns | \"kube-dns\" is not an IP address",
      "clusterDns     | 10.96.0.10, | \"\" is not an IP address",
      "clusterDomain  | Cluster.Local | is not a DNS domain such as cluster.local",
      "resolvConf     | resolv.conf | must be an absolute path",
  })
  void aBadValueIsAnErrorNamingTheKeyOrFlagAndTheValue(String key, String value, String problem) throws Exception {
    Path file = file(key + ": \"" + value + "\"\n");
    SandboxdException inFile = assertThrows(SandboxdException.InvalidArgument.class, () -> fromArgs("--config", file.toString()));
    assertTrue(inFile.getMessage().startsWith(file + ": " + key + ": \"" + value + "\" "), inFile.getMessage());
    assertTrue(inFile.getMessage().contains(problem), inFile.getMessage());

    String flag = "--" + key.replaceAll("([A-Z])", "-$1").toLowerCase();
    SandboxdException asFlag = assertThrows(SandboxdException.InvalidArgument.class, () -> fromArgs(flag, value));
    assertTrue(asFlag.getMessage().startsWith(flag + ": \"" + value + "\" "), asFlag.getMessage());
    assertTrue(asFlag.getMessage().contains(problem), asFlag.getMessage());
  }

  @Test
  void backOffDurationsParseAndMustBeOrdered() {
    DaemonConfig quick = fromArgs("--restart-backoff", "500ms", "--restart-backoff-max", "2s");
    assertEquals(Duration.ofMillis(500), quick.restartBackoff());
    assertEquals(Duration.ofSeconds(2), quick.restartBackoffMax());
    assertEquals(Duration.ofMinutes(5), DaemonConfig.DEFAULTS.restartBackoffMax());
    SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> fromArgs("--restart-backoff", "5m", "--restart-backoff-max", "1m"));
    assertTrue(e.getMessage().startsWith("restart-backoff:"), e.getMessage());
  }

  @Test
  void emptyMeansOffWhereTheHelpSaysSo() {
    assertEquals("", DaemonConfig.DEFAULTS.manifestDir());
    assertEquals("", DaemonConfig.DEFAULTS.pauseImage());
    assertEquals("127.0.0.1:9450", DaemonConfig.DEFAULTS.metricsAddress());
    assertEquals("", fromArgs("--metrics-address", "").metricsAddress());
  }

  @Test
  void clusterDnsIsKubeletsCommaSeparatedListOfIps() {
    assertEquals(new ClusterDns(List.of(), "cluster.local"), DaemonConfig.DEFAULTS.clusterDnsConfig());
    assertEquals(new ClusterDns(List.of("10.96.0.10", "fd00::a"), "example.org"),
        fromArgs("--cluster-dns", "10.96.0.10,fd00::a", "--cluster-domain", "example.org").clusterDnsConfig());
    assertEquals("/etc/resolv.conf", DaemonConfig.DEFAULTS.resolvConf());
    assertEquals("", fromArgs("--resolv-conf", "").resolvConf());
  }

  @Test
  void helpListsEverySettingWithItsDefault() {
    String help = Sandboxd.commandLine(new Sandboxd()).getUsageMessage();
    assertEquals(DaemonConfig.class.getRecordComponents().length, DaemonSettings.ALL.size());
    for (DaemonSettings.Entry e : DaemonSettings.ALL) {
      String shown = e.setting().defaultValue().isEmpty() ? "\"\"" : e.setting().defaultValue();
      assertTrue(help.contains(e.flag() + "=" + e.label()), e.flag() + " missing from\n" + help);
      assertTrue(help.replaceAll("\\s+", " ").contains("(default: " + shown + ")"), shown + " missing from\n" + help);
    }
    assertTrue(help.contains("--restart-backoff-max=DURATION"), help);
    assertTrue(help.contains("--cgroup-missing=reject|warn"), help);
  }

  /** Adding a setting means adding its row to README's table too. */
  @Test
  void theReadmeTableListsEverySetting() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (DaemonSettings.Entry e : DaemonSettings.ALL) {
      assertTrue(readme.contains("| `" + e.flag() + "` / `" + e.key() + "` |"), e.flag() + " is missing from README's table");
    }
  }

  private Path file(String yaml) throws Exception {
    Path file = dir.resolve("sandboxd.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static DaemonConfig fromArgs(String... args) {
    Sandboxd daemon = new Sandboxd();
    Sandboxd.commandLine(daemon).parseArgs(args);
    return daemon.effectiveConfig();
  }

  @Test
  void containerLogRotationHasKubeletsDefaultsAndTakesQuantities() throws Exception {
    assertEquals(new LogRotation(10 << 20, 5), DaemonConfig.DEFAULTS.logRotation());
    assertEquals(new LogRotation(1 << 20, 3),
        fromArgs("--container-log-max-size", "1Mi", "--container-log-max-files", "3").logRotation());
    Path file = dir.resolve("logs.yaml");
    Files.writeString(file, "containerLogMaxSize: 500Ki\ncontainerLogMaxFiles: 2\n");
    assertEquals(new LogRotation(500 << 10, 2), fromArgs("--config", file.toString()).logRotation());
  }

  @Test
  void badContainerLogSettingsAreNamed() {
    for (String[] args : new String[][] {
        {"--container-log-max-size", "10 MB"}, {"--container-log-max-size", "1Ki"}, {"--container-log-max-files", "1"}}) {
      SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class, () -> fromArgs(args));
      assertTrue(e.getMessage().contains(args[0].substring(2)), e.getMessage());
    }
  }

  @Test
  void imageMaxUnpackedSizeIsAPositiveQuantity() {
    assertEquals(10L << 30, DaemonConfig.DEFAULTS.imageMaxUnpackedBytes());
    assertEquals(500L << 20, fromArgs("--image-max-unpacked-size", "500Mi").imageMaxUnpackedBytes());
    for (String bad : new String[] {"0", "-1Gi", "lots"}) {
      SandboxdException e = assertThrows(SandboxdException.InvalidArgument.class,
          () -> fromArgs("--image-max-unpacked-size", bad));
      assertTrue(e.getMessage().contains("image-max-unpacked-size"), e.getMessage());
    }
  }
}
