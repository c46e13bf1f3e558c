package dev.sandboxd.cli;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.Image;
import dev.sandboxd.api.v1.ImagesGrpc;
import dev.sandboxd.api.v1.PruneImagesRequest;
import dev.sandboxd.api.v1.PullImageProgress;
import dev.sandboxd.api.v1.PullImageRequest;
import dev.sandboxd.api.v1.ImportImageChunk;
import dev.sandboxd.api.v1.ImportImageResponse;
import dev.sandboxd.api.v1.ListImagesRequest;
import dev.sandboxd.api.v1.RemoveImageRequest;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", description = "Manages images.", subcommands = {ImageCommand.Import.class, ImageCommand.List.class, ImageCommand.Remove.class,
    ImageCommand.Pull.class, ImageCommand.Prune.class})
final class ImageCommand {

  @Command(name = "import", description = "Imports an OCI image archive (.tar).")
  static final class Import implements Callable<Integer> {
    private static final int CHUNK_BYTES = 1 << 20;

    @ParentCommand ImageCommand parent;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "FILE.tar") Path file;

    @Override
    public Integer call() throws IOException, InterruptedException {
      Sandboxctl root = parent.root;
      CompletableFuture<ImportImageResponse> done = new CompletableFuture<>();
      StreamObserver<ImportImageChunk> upload = root.images().importImage(new StreamObserver<>() {
        @Override
        public void onNext(ImportImageResponse value) {
          done.complete(value);
        }

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {}
      });
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buffer = new byte[CHUNK_BYTES];
        int n;
        while ((n = in.read(buffer)) > 0 && !done.isDone()) {
          upload.onNext(ImportImageChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n)).build());
        }
      } catch (IOException e) {
        upload.onError(e);
        throw e;
      }
      upload.onCompleted();
      try {
        for (Image image : done.get().getImagesList()) {
          spec.commandLine().getOut().printf("imported %s %s%n", image.getName(), image.getDigest());
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      }
      return 0;
    }
  }

  @Command(name = "ls", description = "Lists images.")
  static final class List implements Callable<Integer> {
    @ParentCommand ImageCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      var out = spec.commandLine().getOut();
      out.printf("%-48s %-73s %12s  %s%n", "NAME", "DIGEST", "SIZE", "LAST USED");
      for (Image image : parent.root.imagesBlocking().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
        String lastUsed = image.hasLastUsed()
            ? java.time.Instant.ofEpochSecond(image.getLastUsed().getSeconds()).toString()
            : "-";
        out.printf("%-48s %-73s %12s  %s%n", image.getName(), image.getDigest(), PullProgressView.bytes(image.getSize()),
            lastUsed);
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Removes images (not the node's pause image).")
  static final class Remove implements Callable<Integer> {
    @ParentCommand ImageCommand parent;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "REF", arity = "1..*") java.util.List<String> refs;

    @Override
    public Integer call() {
      for (String ref : refs) {
        parent.root.imagesBlocking().removeImage(RemoveImageRequest.newBuilder().setName(ref).build());
        spec.commandLine().getOut().printf("removed %s%n", ref);
      }
      return 0;
    }
  }

  @Command(name = "pull", description = "Pulls an image from its registry (progress per layer on a terminal, one line otherwise).")
  static final class Pull implements Callable<Integer> {
    @ParentCommand ImageCommand parent;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "REF") String ref;
    @Option(names = "--progress", description = "auto (bars on a terminal), tty or plain", defaultValue = "auto")
    String progress;

    @Override
    public Integer call() {
      boolean terminal = switch (progress) {
        case "tty" -> true;
        case "plain" -> false;
        case "auto" -> System.console() != null;
        default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--progress: " + progress + " is not auto, tty or plain");
      };
      PullProgressView view = new PullProgressView(spec.commandLine().getOut(), terminal);
      long started = System.nanoTime();
      // A pull may take minutes: no deadline; Ctrl-C ends the client, the pull goes on for the pods.
      var messages = ImagesGrpc.newBlockingStub(parent.root.channel())
          .pullImage(PullImageRequest.newBuilder().setReference(ref).build());
      while (messages.hasNext()) {
        PullImageProgress p = messages.next();
        if (p.hasImage()) {
          view.finish(p, (System.nanoTime() - started) / 1e9);
        } else {
          view.update(p, System.nanoTime());
        }
      }
      return 0;
    }
  }

  @Command(name = "prune", description = "Removes every image no pod of this node uses (not the pause image).")
  static final class Prune implements Callable<Integer> {
    @ParentCommand ImageCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      for (String name : parent.root.imagesBlocking().pruneImages(PruneImagesRequest.getDefaultInstance()).getRemovedList()) {
        spec.commandLine().getOut().printf("removed %s%n", name);
      }
      return 0;
    }
  }

  @ParentCommand Sandboxctl root;
}
