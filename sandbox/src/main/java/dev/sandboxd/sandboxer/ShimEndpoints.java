package dev.sandboxd.sandboxer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The task API endpoint of a pod's shim, read from the bootstrap.json containerd writes for the
 * pause task ({@code <containerd state>/io.containerd.runtime.v2.task/<ns>/<id>/bootstrap.json}:
 * version, address, protocol). Answered to CRI as {@code ttrpc+unix:///...} with its version, it
 * makes containerd create the pod's containers in that same shim: one shim per pod.
 */
public final class ShimEndpoints {
  private final Path taskRoot;
  private final ObjectMapper json = new ObjectMapper();

  /** @param containerdState containerd's state directory (its --state, /run/containerd by default) */
  public ShimEndpoints(Path containerdState) {
    this.taskRoot = containerdState.resolve("io.containerd.runtime.v2.task");
  }

  public record Endpoint(String address, int version) {}

  /**
   * The endpoint, or empty when the shim wrote none (then containerd finds the shim by the task
   * whose id is the sandbox id, which the pause task's is).
   */
  public Optional<Endpoint> of(String namespace, String sandboxId) {
    Path file = taskRoot.resolve(namespace).resolve(sandboxId).resolve("bootstrap.json");
    try {
      return parse(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  Optional<Endpoint> parse(byte[] bootstrap) throws IOException {
    JsonNode node = json.readTree(bootstrap);
    String address = node.path("address").asText("");
    String protocol = node.path("protocol").asText("ttrpc");
    int version = node.path("version").asInt(0);
    if (address.isEmpty() || version == 0) {
      return Optional.empty();
    }
    return Optional.of(new Endpoint(protocol + "+" + address, version));
  }
}
