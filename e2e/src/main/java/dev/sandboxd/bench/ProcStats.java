package dev.sandboxd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Memory and CPU figures of one process, from /proc (the node shares the host's pid namespace). */
public final class ProcStats {
  private ProcStats() {}

  /** Resident set size (VmRSS), in KiB. */
  public static long rssKb(long pid) throws IOException {
    return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
  }

  /**
   * Proportional set size, in KiB: shared pages (the shim's and runc's code) split between the
   * processes that map them, so the sum over processes is what they really take together.
   */
  static long pssKb(long pid) throws IOException {
    return field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
  }

  public static long threads(long pid) throws IOException {
    return field(Path.of("/proc", Long.toString(pid), "status"), "Threads:");
  }

  /** Clock ticks per second of /proc's CPU times: USER_HZ, 100 in Linux's ABI on every architecture it runs on here. */
  static final double TICKS_PER_SECOND = 100;

  /** User plus system CPU time, in seconds. */
  static double cpuSeconds(long pid) throws IOException {
    String[] fields = afterCommand(pid);
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, 12 and 13 after the command.
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  static long parent(long pid) throws IOException {
    return Long.parseLong(afterCommand(pid)[1]);
  }

  /** Busy and total CPU time of the whole machine so far, in clock ticks (first line of /proc/stat). */
  record MachineCpu(long busy, long total) {
    static MachineCpu now() throws IOException {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      long total = 0;
      for (int i = 1; i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      return new MachineCpu(total - idle, total);
    }

    /** Percent of all cores busy between {@code before} and this sample. */
    double busyPercentSince(MachineCpu before) {
      return 100.0 * (busy - before.busy) / Math.max(1, total - before.total);
    }
  }

  static String loadAverage() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  public static String commandLine(long pid) throws IOException {
    return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ').strip();
  }

  private static String[] afterCommand(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command may hold spaces and parentheses; it ends at the last ')'.
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  private static long field(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (String line : lines) {
      if (line.startsWith(name)) {
        return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException(file + " has no " + name);
  }
}
