package dev.sandboxd.cgroup;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a cgroup has used, read from its interface files; a value is empty when the file is
 * missing (its controller is not enabled for the cgroup).
 *
 * @param cpuUsageUsec cpu.stat usage_usec: CPU time of all its tasks, ever
 * @param cpuThrottledUsec cpu.stat throttled_usec: time its tasks waited for the next CFS period
 * @param memoryCurrentBytes memory.current
 * @param memoryPeakBytes memory.peak (kernel 5.19 and later)
 * @param memoryInactiveFileBytes memory.stat inactive_file: page cache the kernel can drop
 * @param pidsCurrent pids.current
 */
public record CgroupUsage(
    OptionalLong cpuUsageUsec,
    OptionalLong cpuUserUsec,
    OptionalLong cpuSystemUsec,
    OptionalLong cpuNrThrottled,
    OptionalLong cpuThrottledUsec,
    OptionalLong memoryCurrentBytes,
    OptionalLong memoryPeakBytes,
    OptionalLong memoryInactiveFileBytes,
    OptionalLong pidsCurrent) {

  /** kubelet's working set: memory.current less what the kernel can drop (inactive page cache). */
  public OptionalLong memoryWorkingSetBytes() {
    if (memoryCurrentBytes.isEmpty()) {
      return OptionalLong.empty();
    }
    long inactive = memoryInactiveFileBytes.orElse(0);
    return OptionalLong.of(Math.max(0, memoryCurrentBytes.getAsLong() - inactive));
  }

  static CgroupUsage read(CgroupFs fs, String cgroup) {
    Map<String, Long> cpu = keyedValues(fs.read(cgroup, "cpu.stat"));
    return new CgroupUsage(
        value(cpu, "usage_usec"),
        value(cpu, "user_usec"),
        value(cpu, "system_usec"),
        value(cpu, "nr_throttled"),
        value(cpu, "throttled_usec"),
        single(fs.read(cgroup, "memory.current")),
        single(fs.read(cgroup, "memory.peak")),
        value(keyedValues(fs.read(cgroup, "memory.stat")), "inactive_file"),
        single(fs.read(cgroup, "pids.current")));
  }

  /** A flat-keyed file such as cpu.stat or memory.events: "key value" per line. */
  static Map<String, Long> keyedValues(Optional<String> content) {
    Map<String, Long> values = new HashMap<>();
    content.ifPresent(text -> text.lines().forEach(line -> {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2) {
        try {
          values.put(kv[0], Long.parseLong(kv[1]));
        } catch (NumberFormatException ignored) {
          // Not a counter (newer kernels may add such keys): not ours to read.
        }
      }
    }));
    return values;
  }

  private static OptionalLong value(Map<String, Long> values, String key) {
    Long v = values.get(key);
    return v == null ? OptionalLong.empty() : OptionalLong.of(v);
  }

  private static OptionalLong single(Optional<String> content) {
    if (content.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(content.get().trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
