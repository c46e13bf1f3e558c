package dev.sandboxd.cli;

import com.google.protobuf.Timestamp;
import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.PodRef;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "logs", description = "Prints a container's output (stdout and stderr).")
final class LogsCommand implements Callable<Integer> {
  /** kubectl's --since durations: hours, minutes, seconds, in that order (1h30m, 10m, 45s). */
  private static final Pattern SINCE = Pattern.compile("(?=\\d)(\\d+h)?(\\d+m)?(\\d+s)?");

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POD") String pod;
  @Parameters(index = "1", paramLabel = "CONTAINER") String container;

  @Option(names = {"-f", "--follow"}, description = "keep printing new output") boolean follow;

  @Option(names = {"-p", "--previous"}, description = "the container's run before the current one (after a restart)")
  boolean previous;

  @Option(names = "--tail", defaultValue = "-1", paramLabel = "N", description = "only the last N lines (-1: all)")
  long tail;

  @Option(names = "--since", paramLabel = "DURATION", description = "only lines written in the last DURATION (30s, 5m, 1h30m)")
  String since;

  @Option(names = "--timestamps", description = "start each line with the time it was logged (RFC 3339, nanoseconds)")
  boolean timestamps;

  @Override
  public Integer call() throws IOException {
    LogsRequest.Builder request = LogsRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef(pod))
        .setContainer(container)
        .setFollow(follow)
        .setPrevious(previous)
        .setTimestamps(timestamps);
    if (previous && follow) {
      throw new ParameterException(spec.commandLine(), "--previous: a previous run has ended; it cannot be followed (-f)");
    }
    if (tail < -1) {
      throw new ParameterException(spec.commandLine(), "--tail: must be -1 (all) or a number of lines >= 0, was " + tail);
    }
    if (tail >= 0) {
      request.setTailLines(tail);
    }
    if (since != null) {
      Instant from = Instant.now().minus(since(spec, since));
      request.setSinceTime(Timestamp.newBuilder().setSeconds(from.getEpochSecond()).setNanos(from.getNano()));
    }
    Iterator<LogChunk> chunks = follow ? root.podsWithoutDeadline().logs(request.build()) : root.pods().logs(request.build());
    while (chunks.hasNext()) {
      chunks.next().getData().writeTo(System.out);
      System.out.flush();
    }
    return 0;
  }

  static Duration since(CommandSpec spec, String value) {
    try {
      if (SINCE.matcher(value).matches()) {
        return Duration.parse("PT" + value.toUpperCase(Locale.ROOT));
      }
    } catch (DateTimeParseException e) {
      // reported below like any other bad value
    }
    throw new ParameterException(spec.commandLine(), "--since: \"" + value + "\" is not a duration such as 30s, 5m or 1h30m");
  }
}
