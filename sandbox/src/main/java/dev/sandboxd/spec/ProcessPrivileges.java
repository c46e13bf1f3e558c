package dev.sandboxd.spec;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What sandboxd itself may hand to containers: a container cannot get a capability its creator
 * lacks, nor an oom_score_adj below its creator's without CAP_SYS_RESOURCE (so "privileged" and
 * the pause task's -998 are bounded by these, as CRI does).
 */
public record ProcessPrivileges(List<String> boundingCapabilities, int oomScoreAdj) {

  public ProcessPrivileges {
    boundingCapabilities = List.copyOf(boundingCapabilities);
  }

  /**
   * The oom_score_adj runc can give a task sandboxd starts: the preferred one, unless sandboxd
   * lacks CAP_SYS_RESOURCE, which lowering a score below its own needs.
   */
  public int oomScoreAdjFor(int preferred) {
    return boundingCapabilities.contains("CAP_SYS_RESOURCE") ? preferred : OciSpecs.restrictOomScoreAdj(preferred, oomScoreAdj);
  }

  public static ProcessPrivileges ofThisProcess() {
    try {
      long mask = 0;
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          mask = Long.parseUnsignedLong(line.substring("CapBnd:".length()).trim(), 16);
        }
      }
      int oom = Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
      return new ProcessPrivileges(LinuxCapabilities.fromMask(mask), oom);
    } catch (IOException | NumberFormatException e) {
      throw SandboxdException.internal("reading this process's capabilities: " + e.getMessage(), e);
    }
  }
}
