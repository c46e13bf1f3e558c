package dev.sandboxd.container;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class ExecOutputTest {
  @Test
  void outputWithinTheLimitIsKeptWhole() throws Exception {
    byte[] bytes = new byte[1000];
    ExecOutput out = ExecOutput.read("stdout", new ByteArrayInputStream(bytes), 1000);
    assertArrayEquals(bytes, out.whole("c1", 1000, 0));
  }

  @Test
  void outputPastTheLimitIsReadToTheEndAndFailsNamingTheLimit() throws Exception {
    int limit = 16 << 20;
    ExecOutput out = ExecOutput.read("stderr", new ByteArrayInputStream(new byte[limit + 1]), limit);
    assertEquals(limit + 1, out.total(), "the command's output is drained to its end");
    SandboxdException e = assertThrows(SandboxdException.ResourceExhausted.class, () -> out.whole("c1", limit, 3));
    assertTrue(e.getMessage().contains("16 MiB") && e.getMessage().contains("stderr") && e.getMessage().contains("exit code 3"),
        e.getMessage());
  }
}
