package dev.sandboxd.containerd;

import java.nio.file.Path;

/**
 * Where a process's standard streams go, as containerd's shim understands them: a FIFO path, or a
 * URI such as {@code file:///var/log/app.log} (the shim appends both stdout and stderr to the file
 * itself) or {@code binary:///path/to/logger}. Empty means not connected. With terminal, the
 * process runs under a pseudo-terminal whose output the shim copies to stdout (stderr unused):
 * only exec'd processes attached to a client get one.
 */
public record TaskIo(String stdin, String stdout, String stderr, boolean terminal) {
  public TaskIo {
    stdin = stdin == null ? "" : stdin;
    stdout = stdout == null ? "" : stdout;
    stderr = stderr == null ? "" : stderr;
  }

  /** Without a terminal. */
  public TaskIo(String stdin, String stdout, String stderr) {
    this(stdin, stdout, stderr, false);
  }

  /** Nothing connected: output is discarded. */
  public static TaskIo none() {
    return new TaskIo("", "", "");
  }

  /** stdout and stderr appended to one log file by the shim (survives a restart of sandboxd). */
  public static TaskIo logFile(Path file) {
    String uri = file.toAbsolutePath().toUri().toString();
    return new TaskIo("", uri, uri);
  }
}
