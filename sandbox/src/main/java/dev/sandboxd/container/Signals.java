package dev.sandboxd.container;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Map;

/** Signal names as images spell them (StopSignal "SIGTERM", "TERM" or "15") to Linux numbers. */
public final class Signals {
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  private static final Map<String, Integer> BY_NAME = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ABRT", 6),
      Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("USR2", 12), Map.entry("PIPE", 13),
      Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("CHLD", 17), Map.entry("CONT", 18),
      Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("WINCH", 28), Map.entry("PWR", 30),
      Map.entry("SYS", 31));

  private Signals() {}

  public static int parse(String signal) {
    String s = signal.trim().toUpperCase();
    if (s.matches("[0-9]{1,2}")) {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= 64) {
        return n;
      }
    }
    Integer n = BY_NAME.get(s.startsWith("SIG") ? s.substring(3) : s);
    if (n == null) {
      throw SandboxdException.invalidArgument("stop signal %s: not a known signal", signal);
    }
    return n;
  }
}
