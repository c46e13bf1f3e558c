package dev.sandboxd.monitoring;

import dev.sandboxd.metrics.PodUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * cgroup v2 interface files of the pod cgroup: cpu.stat usage_usec, memory.current minus
 * memory.stat inactive_file (kubelet's working set), memory.peak, pids.current. A file the kernel
 * does not offer (its controller is not enabled, as on a host that only delegates hugetlb) gives
 * an empty reading.
 */
public final class CgroupUsageReader implements PodUsageSource {
  private final Path cgroupRoot;

  public CgroupUsageReader(Path cgroupRoot) {
    this.cgroupRoot = cgroupRoot;
  }

  @Override
  public PodUsage read(String namespace, String name, String podCgroup) {
    Path dir = cgroupRoot.resolve(podCgroup.replaceFirst("^/+", ""));
    OptionalLong usageUsec = field(dir.resolve("cpu.stat"), "usage_usec");
    OptionalLong current = single(dir.resolve("memory.current"));
    OptionalLong workingSet = OptionalLong.empty();
    if (current.isPresent()) {
      long inactive = field(dir.resolve("memory.stat"), "inactive_file").orElse(0);
      workingSet = OptionalLong.of(Math.max(0, current.getAsLong() - inactive));
    }
    return new PodUsage(
        namespace,
        name,
        usageUsec.isPresent() ? OptionalDouble.of(usageUsec.getAsLong() / 1e6) : OptionalDouble.empty(),
        workingSet,
        single(dir.resolve("memory.peak")),
        single(dir.resolve("pids.current")));
  }

  private static OptionalLong single(Path file) {
    List<String> lines = lines(file);
    if (lines.isEmpty()) {
      return OptionalLong.empty();
    }
    return number(lines.get(0).trim());
  }

  /** The value of "key value" in a flat-keyed file such as cpu.stat. */
  private static OptionalLong field(Path file, String key) {
    for (String line : lines(file)) {
      if (line.startsWith(key + " ")) {
        return number(line.substring(key.length() + 1).trim());
      }
    }
    return OptionalLong.empty();
  }

  private static OptionalLong number(String text) {
    try {
      return OptionalLong.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // "max" and the like: no number to report
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of(); // missing file: the controller is off, or the pod's cgroup is gone
    }
  }
}
