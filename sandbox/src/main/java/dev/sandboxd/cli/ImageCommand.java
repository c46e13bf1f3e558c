package dev.sandboxd.cli;

import com.google.protobuf.ByteString;
import dev.sandboxd.api.v1.Image;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", description = "Manages images.", subcommands = {ImageCommand.Import.class, ImageCommand.List.class, ImageCommand.Remove.class})
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
      out.printf("%-48s %-73s %s%n", "NAME", "DIGEST", "SIZE");
      for (Image image : parent.root.imagesBlocking().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
        out.printf("%-48s %-73s %d%n", image.getName(), image.getDigest(), image.getSize());
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

  @ParentCommand Sandboxctl root;
}
