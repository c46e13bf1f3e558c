package dev.sandboxd.cli;

import dev.sandboxd.api.v1.Event;
import dev.sandboxd.api.v1.EventsRequest;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "events", description = "Prints lifecycle events: sandboxes and containers created, started, exited, restarted, ...")
final class EventsCommand implements Callable<Integer> {
  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--follow"}, description = "keep printing new events") boolean follow;

  @Override
  public Integer call() {
    EventsRequest request = EventsRequest.newBuilder().setFollow(follow).build();
    Iterator<Event> events = follow ? root.podsWithoutDeadline().events(request) : root.pods().events(request);
    PrintWriter out = spec.commandLine().getOut();
    while (events.hasNext()) {
      Event e = events.next();
      out.printf("%s %-20s %-24s %-12s %-19s %s%n",
          Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos()),
          e.getType(), e.getPod(), e.getContainer().isEmpty() ? "-" : e.getContainer(), e.getReason().isEmpty() ? "-" : e.getReason(),
          e.getMessage());
      out.flush();
    }
    return 0;
  }
}
