package dev.sandboxd.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.errdefs.SandboxdException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ContainerManagerTest {

  @Test
  void anExecRunsWithTheContainersProcessSettingsButItsOwnArgs() throws Exception {
    byte[] spec = """
        {"ociVersion":"1.1.0","process":{"terminal":true,"user":{"uid":1000,"gid":1000},"args":["sleep","9"],
         "env":["PATH=/bin","A=1"],"cwd":"/work"},"root":{"path":"rootfs"}}
        """.getBytes();
    JsonNode process = new ObjectMapper().readTree(ContainerManager.execProcess(spec, List.of("ps", "-ef"), Optional.empty()));
    assertEquals("[\"ps\",\"-ef\"]", process.get("args").toString());
    assertEquals(false, process.get("terminal").asBoolean());
    assertEquals(1000, process.get("user").get("uid").asInt());
    assertEquals("/work", process.get("cwd").asText());
    assertEquals("[\"PATH=/bin\",\"A=1\"]", process.get("env").toString());
  }

  @Test
  void aTerminalExecGetsATerminalOfTheClientsSizeAndStillOnlyTheContainersEnvironment() throws Exception {
    byte[] spec = """
        {"ociVersion":"1.1.0","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["sleep","9"],
         "env":["PATH=/bin","A=1"],"cwd":"/"},"root":{"path":"rootfs"}}
        """.getBytes();
    JsonNode process = new ObjectMapper().readTree(
        ContainerManager.execProcess(spec, List.of("sh"), Optional.of(new int[] {120, 40})));
    assertEquals(true, process.get("terminal").asBoolean());
    assertEquals(120, process.get("consoleSize").get("width").asInt());
    assertEquals(40, process.get("consoleSize").get("height").asInt());
    assertEquals("[\"PATH=/bin\",\"A=1\"]", process.get("env").toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"true, 0, 24", "true, 80, 0", "true, 70000, 24"})
  void aTerminalNeedsASize(boolean tty, int width, int height) {
    SandboxdException.InvalidArgument e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> new AttachedExecSpec(List.of("sh"), true, tty, width, height));
    assertEquals(true, e.getMessage().startsWith("size: "), e.getMessage());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"SIGTERM,15", "TERM,15", "sigint,2", "SIGKILL,9", "15,15", "SIGQUIT,3", "SIGWINCH,28", "SIGUSR1,10", "37,37"})
  void stopSignalsParse(String name, int number) {
    assertEquals(number, Signals.parse(name));
  }

  @ParameterizedTest
  @CsvSource({"SIGNOPE", "0", "65", "''", "TERM2"})
  void unknownStopSignalsAreInputErrors(String name) {
    assertThrows(SandboxdException.InvalidArgument.class, () -> Signals.parse(name));
  }
}
