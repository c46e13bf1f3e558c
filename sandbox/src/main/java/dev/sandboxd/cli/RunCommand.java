package dev.sandboxd.cli;

import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.RunPodResponse;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.ParsedPod;
import dev.sandboxd.pod.PodManifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", description = "Runs a pod from a Kubernetes v1 Pod manifest.")
final class RunCommand implements Callable<Integer> {
  private static final long MAX_MANIFEST_BYTES = PodManifests.MAX_MANIFEST_BYTES;

  @ParentCommand Sandboxctl root;
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, description = "the Pod manifest (YAML or JSON); - for stdin")
  String file;

  @Option(names = "--lenient", description = "warn about unknown or unsupported fields instead of failing")
  boolean lenient;

  @Override
  public Integer call() throws IOException {
    String manifest = readManifest(file);
    // Validate here first: a bad manifest is reported without a daemon round trip.
    ParsedPod parsed = PodManifests.withRandomUids().parse(manifest, lenient);
    parsed.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
    RunPodResponse response =
        root.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).setLenient(lenient).build());
    var meta = response.getPod().getMetadata();
    spec.commandLine().getOut().printf("pod %s/%s running (sandbox %s)%n",
        meta.getNamespace(), meta.getName(), response.getPod().getStatus().getSandbox().getId());
    return 0;
  }

  /** The manifest file (- for stdin) as UTF-8 text, refused above the size the parser takes. */
  static String readManifest(String file) throws IOException {
    if (file.equals("-")) {
      // One byte more than allowed, so the parser reports the size rather than a truncated manifest.
      return PodManifests.decodeUtf8(System.in.readNBytes((int) MAX_MANIFEST_BYTES + 1), "manifest");
    }
    Path path = Path.of(file);
    if (Files.size(path) > MAX_MANIFEST_BYTES) {
      throw SandboxdException.invalidArgument("%s: manifest is larger than %d bytes", file, MAX_MANIFEST_BYTES);
    }
    return PodManifests.decodeUtf8(Files.readAllBytes(path), "manifest");
  }
}
