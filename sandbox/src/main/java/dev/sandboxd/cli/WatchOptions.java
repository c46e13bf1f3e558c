package dev.sandboxd.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code -w/--watch} and its interval, shared by ps and stats. A watch runs until interrupted (Ctrl-C). */
final class WatchOptions {
  @Option(names = {"-w", "--watch"}, description = "after the first answer, keep polling and print what changed (ps) or the table again (stats)")
  boolean watch;

  @Option(names = "--interval", defaultValue = "2", paramLabel = "SECONDS", description = "seconds between polls with --watch (default ${DEFAULT-VALUE})")
  long intervalSeconds;

  /** Bad values are the user's: an error naming the flag, exit code 2. */
  void check(CommandSpec spec) {
    if (intervalSeconds < 1) {
      throw new ParameterException(spec.commandLine(), "--interval: must be at least 1 second, was " + intervalSeconds);
    }
  }

  void sleep() throws InterruptedException {
    Thread.sleep(intervalSeconds * 1000);
  }
}
