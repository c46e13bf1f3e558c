package dev.sandboxd.server;

import dev.sandboxd.api.v1.Image;
import dev.sandboxd.api.v1.ImagesGrpc;
import dev.sandboxd.api.v1.ImportImageChunk;
import dev.sandboxd.api.v1.ImportImageResponse;
import dev.sandboxd.api.v1.ListImagesRequest;
import dev.sandboxd.api.v1.ListImagesResponse;
import dev.sandboxd.api.v1.RemoveImageRequest;
import dev.sandboxd.api.v1.RemoveImageResponse;
import dev.sandboxd.api.v1.PruneImagesRequest;
import dev.sandboxd.api.v1.PruneImagesResponse;
import dev.sandboxd.api.v1.PullImageProgress;
import dev.sandboxd.api.v1.PullImageRequest;
import com.google.protobuf.Timestamp;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImagePuller;
import dev.sandboxd.image.ImageReferences;
import dev.sandboxd.image.PullFailure;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.system.PrivateFiles;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** sandboxd.v1.Images: spools an uploaded archive to a file, then hands it to {@link ImageService}. */
public final class ImagesService extends ImagesGrpc.ImagesImplBase {
  /** Archives larger than this are refused rather than filling the disk. */
  static final long MAX_ARCHIVE_BYTES = 8L << 30;

  private final ImageService images;
  private final Optional<ImagePuller> puller;
  private final Supplier<Set<String>> imagesInUse;
  private final Path spoolDir;

  /** Without pulls, and prune sees no pod. */
  public ImagesService(ImageService images, Path spoolDir) {
    this(images, Optional.empty(), Set::of, spoolDir);
  }

  /** @param imagesInUse the images the node's pods name, as they name them */
  public ImagesService(ImageService images, Optional<ImagePuller> puller, Supplier<Set<String>> imagesInUse, Path spoolDir) {
    this.images = images;
    this.puller = puller;
    this.imagesInUse = imagesInUse;
    this.spoolDir = spoolDir;
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageProgress> response) {
    String reference = request.getReference();
    if (reference.isEmpty() || reference.chars().anyMatch(Character::isWhitespace)) {
      PodsService.fail(response, SandboxdException.invalidArgument("reference: an image reference without whitespace is required"));
      return;
    }
    if (puller.isEmpty()) {
      PodsService.fail(response, SandboxdException.failedPrecondition("this sandboxd does not pull images"));
      return;
    }
    Object sending = new Object();
    puller.get().pull(reference, List.of(), (event, name, done, total) -> {
      synchronized (sending) {
        response.onNext(PullImageProgress.newBuilder().setEvent(event).setName(name).setDone(done).setTotal(total).build());
      }
    }).whenComplete((image, error) -> {
      synchronized (sending) {
        if (error == null) {
          response.onNext(PullImageProgress.newBuilder().setEvent("pulled").setName(image.name()).setImage(toProto(image)).build());
          response.onCompleted();
          return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        PodsService.fail(response, cause instanceof PullFailure f ? f.asSandboxdException()
            : cause instanceof RuntimeException r ? r : SandboxdException.internal(String.valueOf(cause), cause));
      }
    });
  }

  @Override
  public void pruneImages(PruneImagesRequest request, StreamObserver<PruneImagesResponse> response) {
    PodsService.unary(response, () -> {
      Set<String> used = new HashSet<>();
      for (String image : imagesInUse.get()) {
        used.add(image);
        used.add(ImageReferences.normalize(image));
      }
      PruneImagesResponse.Builder out = PruneImagesResponse.newBuilder();
      for (ImageService.ImageSummary image : images.list()) {
        if (used.contains(image.name())) {
          continue;
        }
        try {
          images.remove(image.name());
          out.addRemoved(image.name());
        } catch (SandboxdException.FailedPrecondition reserved) {
          // the pause image: every pod needs it
        }
      }
      return out.build();
    });
  }

  @Override
  public StreamObserver<ImportImageChunk> importImage(StreamObserver<ImportImageResponse> response) {
    final Path spool;
    final OutputStream out;
    try {
      PrivateFiles.directories(spoolDir);
      spool = Files.createTempFile(spoolDir, "import-", ".tar");
      out = Files.newOutputStream(spool);
    } catch (IOException e) {
      PodsService.fail(response, SandboxdException.internal("creating import spool file: " + e.getMessage(), e));
      return new DiscardingObserver();
    }
    return new StreamObserver<>() {
      private long received;
      private boolean failed;

      @Override
      public void onNext(ImportImageChunk chunk) {
        if (failed) {
          return;
        }
        try {
          received += chunk.getData().size();
          if (received > MAX_ARCHIVE_BYTES) {
            throw SandboxdException.resourceExhausted("image archive is larger than %d bytes", MAX_ARCHIVE_BYTES);
          }
          chunk.getData().writeTo(out);
        } catch (IOException e) {
          abort(SandboxdException.internal("spooling image archive: " + e.getMessage(), e));
        } catch (RuntimeException e) {
          abort(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        cleanup();
      }

      @Override
      public void onCompleted() {
        if (failed) {
          return;
        }
        PodsService.unary(response, () -> {
          try {
            out.close();
            try (InputStream in = Files.newInputStream(spool)) {
              List<ImageService.ImageSummary> imported = images.importArchive(in);
              ImportImageResponse.Builder result = ImportImageResponse.newBuilder();
              imported.forEach(i -> result.addImages(toProto(i)));
              return result.build();
            }
          } catch (IOException e) {
            throw SandboxdException.internal("reading spooled image archive: " + e.getMessage(), e);
          } finally {
            cleanup();
          }
        });
      }

      private void abort(RuntimeException e) {
        failed = true;
        cleanup();
        PodsService.fail(response, e);
      }

      private void cleanup() {
        try {
          out.close();
          Files.deleteIfExists(spool);
        } catch (IOException ignored) {
          // The spool directory is emptied at start-up as well.
        }
      }
    };
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> response) {
    PodsService.unary(response, () -> {
      ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
      images.list().forEach(i -> out.addImages(toProto(i)));
      return out.build();
    });
  }

  @Override
  public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> response) {
    PodsService.unary(response, () -> {
      if (request.getName().isEmpty()) {
        throw SandboxdException.invalidArgument("name: an image name is required");
      }
      images.remove(request.getName());
      return RemoveImageResponse.getDefaultInstance();
    });
  }

  private static Image toProto(ImageService.ImageSummary image) {
    Image.Builder out = Image.newBuilder().setName(image.name()).setDigest(image.digest()).setSize(image.size());
    image.lastUsed().ifPresent(t -> out.setLastUsed(Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano())));
    return out.build();
  }

  private static final class DiscardingObserver implements StreamObserver<ImportImageChunk> {
    @Override
    public void onNext(ImportImageChunk value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
