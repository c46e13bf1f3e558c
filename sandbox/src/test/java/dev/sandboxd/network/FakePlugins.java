package dev.sandboxd.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Small CNI plugins as shell scripts: each keeps its environment and stdin per verb beside it
 * (calls/NAME.VERB.env, .stdin), appends "NAME VERB" to calls/order, and answers as told.
 */
final class FakePlugins {
  final Path bin;
  final Path calls;

  FakePlugins(Path dir) throws IOException {
    this.bin = Files.createDirectories(dir.resolve("bin"));
    this.calls = Files.createDirectories(dir.resolve("calls"));
  }

  /** A plugin whose ADD prints result (a JSON object) and whose other verbs print nothing. */
  FakePlugins ok(String name, String result) throws IOException {
    return script(name, "if [ \"$CNI_COMMAND\" = ADD ]; then printf '%s' '" + result + "'; fi\nexit 0\n");
  }

  /** A plugin that fails verb with the error object on stdout (exit 1), as the Go plugins do. */
  FakePlugins failing(String name, String verb, String errorJson) throws IOException {
    return script(name, "if [ \"$CNI_COMMAND\" = " + verb + " ]; then printf '%s' '" + errorJson + "'; exit 1; fi\n"
        + "if [ \"$CNI_COMMAND\" = ADD ]; then printf '%s' '{\"cniVersion\":\"1.1.0\"}'; fi\nexit 0\n");
  }

  FakePlugins script(String name, String body) throws IOException {
    Path f = bin.resolve(name);
    String text = "#!/bin/sh\n"
        + "d=" + calls + "\n"
        + "env | sort > \"$d/" + name + ".$CNI_COMMAND.env\"\n"
        + "cat > \"$d/" + name + ".$CNI_COMMAND.stdin\"\n"
        + "echo \"" + name + " $CNI_COMMAND\" >> \"$d/order\"\n"
        + body;
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    return this;
  }

  List<String> order() throws IOException {
    Path f = calls.resolve("order");
    return Files.exists(f) ? Files.readAllLines(f) : List.of();
  }

  String stdin(String name, String verb) throws IOException {
    return Files.readString(calls.resolve(name + "." + verb + ".stdin"), StandardCharsets.UTF_8);
  }

  List<String> env(String name, String verb) throws IOException {
    return Files.readAllLines(calls.resolve(name + "." + verb + ".env"));
  }
}
