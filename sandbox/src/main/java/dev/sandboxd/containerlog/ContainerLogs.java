package dev.sandboxd.containerlog;

import java.nio.file.Path;

/** Where a container run's stdout and stderr go. */
public interface ContainerLogs {
  /**
   * Makes ready to log a new run to logFile (its directory, room) and returns the stdout URI to
   * give containerd for the run's task.
   */
  String prepare(Path logFile);
}
