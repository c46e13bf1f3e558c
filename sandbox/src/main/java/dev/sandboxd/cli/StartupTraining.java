package dev.sandboxd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training run of sandboxctl's AppCDS archive, made by the build with {@code
 * -XX:ArchiveClassesAtExit}: the commands operators run most ({@code ps}, {@code inspect}, {@code
 * run}, help and an unreachable socket) against a {@link TrainingSandboxd}, so that the classes
 * they load (picocli's model, grpc, Netty's epoll transport, protobuf, the manifest parser) come
 * from the archive at every later start instead of being loaded and verified again.
 */
public final class StartupTraining {
  private static final String MANIFEST = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: trained
      spec:
        containers:
        - name: app
          image: localhost/sandboxd/busybox:1.35
          command: [sleep, "3600"]
      """;

  private StartupTraining() {}

  public static void main(String[] args) throws Exception {
    NettyLogging.useOneLogger(); // for the stand-in sandboxd's server here; sandboxctl does so with its stream channel
    Path dir = Files.createTempDirectory("sandboxctl-training");
    try {
      Path socket = dir.resolve("sandboxd.sock");
      Path manifest = Files.writeString(dir.resolve("pod.yaml"), MANIFEST);
      String address = socket.toString();
      try (TrainingSandboxd sandboxd = TrainingSandboxd.start(socket)) {
        // Each command with the exit code it must end with: a training run that fails early
        // would leave classes out of the archive unnoticed.
        Map<List<String>, Integer> commands = new LinkedHashMap<>();
        commands.put(List.of("--address", address, "ps"), 0);
        commands.put(List.of("--address", address, "inspect", "web-0"), 0);
        commands.put(List.of("--address", address, "inspect", "-o", "json", "web-0"), 0);
        commands.put(List.of("--address", address, "run", "-f", manifest.toString()), 0);
        commands.put(List.of("--address", dir.resolve("absent.sock").toString(), "ps"), 1);
        commands.put(List.of("--help"), 0);
        for (Map.Entry<List<String>, Integer> command : commands.entrySet()) {
          StringWriter output = new StringWriter();
          int code = Sandboxctl.run(command.getKey().toArray(String[]::new), new PrintWriter(output), new PrintWriter(output));
          if (code != command.getValue()) {
            throw new IllegalStateException("training: sandboxctl " + String.join(" ", command.getKey())
                + " exited " + code + ", not " + command.getValue() + ": " + output);
          }
        }
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }
}
