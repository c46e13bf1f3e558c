package dev.sandboxd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxd.image.PauseImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The floor: {@code runc run -d} of a pause bundle, with no containerd and no shim. The bundle's
 * root is unpacked once from the same pause image sandboxd ships; its config is runc's default
 * spec made like sandboxd's pause (no terminal, read-only root, uid 65535, no capabilities, new
 * pid, ipc, uts, mount and network namespaces, cgroup {@code <parent>/<id>/<id>}).
 */
final class RuncBaseline {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PAUSE_ARCHIVE = "dev/sandboxd/image/pause-image.tar";

  private final BenchNode node;
  private final NodeCommands commands;
  private final Path bundle;
  private final Path state;
  private ObjectNode config;

  RuncBaseline(BenchNode node, NodeCommands commands) {
    this.node = node;
    this.commands = commands;
    this.bundle = node.workDir().resolve("runc-bundle");
    this.state = node.workDir().resolve("runc-state");
  }

  /** Unpacks the pause image's layer into the bundle's rootfs and writes runc's default spec. */
  void prepare() throws IOException, InterruptedException {
    Path image = node.workDir().resolve("pause-image");
    Path rootfs = bundle.resolve("rootfs");
    commands.checked(List.of("rm", "-rf", image.toString(), bundle.toString()));
    Files.createDirectories(image);
    Files.createDirectories(rootfs);
    Files.createDirectories(state);
    try (InputStream archive = PauseImage.class.getClassLoader().getResourceAsStream(PAUSE_ARCHIVE)) {
      if (archive == null) {
        throw new IllegalStateException(PAUSE_ARCHIVE + " is not on the class path (build with hack/build)");
      }
      Files.copy(archive, image.resolve("image.tar"));
    }
    commands.checked(List.of("tar", "-xf", image.resolve("image.tar").toString(), "-C", image.toString()));
    String manifest = blob(JSON.readTree(image.resolve("index.json").toFile()).path("manifests").path(0).path("digest").asText());
    for (var layer : JSON.readTree(image.resolve(manifest).toFile()).path("layers")) {
      commands.checked(List.of("tar", "-xf", image.resolve(blob(layer.path("digest").asText())).toString(), "-C", rootfs.toString()));
    }
    commands.checked(List.of(node.runc().toString(), "spec", "--bundle", bundle.toString()));
    config = pauseConfig((ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile()));
  }

  /** {@code runc run -d} of the bundle as container {@code id}; returns its wall time. */
  long run(String id) throws IOException, InterruptedException {
    ((ObjectNode) config.path("linux")).put("cgroupsPath", node.cgroupParent() + "/" + id + "/" + id);
    JSON.writeValue(bundle.resolve("config.json").toFile(), config);
    return commands.checked(List.of(node.runc().toString(), "--root", state.toString(), "run", "-d",
        "--bundle", bundle.toString(), id)).nanos();
  }

  /** {@code runc delete -f}; returns its wall time. The pod-level cgroup is removed untimed. */
  long delete(String id) throws IOException, InterruptedException {
    long nanos = commands.checked(List.of(node.runc().toString(), "--root", state.toString(), "delete", "-f", id)).nanos();
    commands.checked(List.of("rmdir", node.cgroupDir(id)));
    return nanos;
  }

  /** Deletes whatever an interrupted run left behind. */
  void removeLeftovers() throws IOException, InterruptedException {
    if (!Files.isDirectory(state)) {
      return;
    }
    try (var containers = Files.list(state)) {
      for (Path c : containers.toList()) {
        commands.run(List.of(node.runc().toString(), "--root", state.toString(), "delete", "-f", c.getFileName().toString()));
        commands.run(List.of("rmdir", node.cgroupDir(c.getFileName().toString())));
      }
    }
  }

  String version() throws IOException, InterruptedException {
    return commands.checked(List.of(node.runc().toString(), "--version")).stdout().lines().findFirst().orElse("").strip();
  }

  private static ObjectNode pauseConfig(ObjectNode spec) {
    ObjectNode process = (ObjectNode) spec.path("process");
    process.put("terminal", false);
    process.putArray("args").add("/pause");
    ObjectNode user = process.putObject("user");
    user.put("uid", 65535);
    user.put("gid", 65535);
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      caps.putArray(set);
    }
    ((ObjectNode) spec.path("root")).put("readonly", true);
    ArrayNode namespaces = ((ObjectNode) spec.path("linux")).putArray("namespaces");
    for (String type : List.of("pid", "ipc", "uts", "mount", "network")) {
      namespaces.addObject().put("type", type);
    }
    return spec;
  }

  private static String blob(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }
}
