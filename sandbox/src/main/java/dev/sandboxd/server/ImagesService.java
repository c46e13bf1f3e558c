package dev.sandboxd.server;

import dev.sandboxd.api.v1.Image;
import dev.sandboxd.api.v1.ImagesGrpc;
import dev.sandboxd.api.v1.ImportImageChunk;
import dev.sandboxd.api.v1.ImportImageResponse;
import dev.sandboxd.api.v1.ListImagesRequest;
import dev.sandboxd.api.v1.ListImagesResponse;
import dev.sandboxd.api.v1.RemoveImageRequest;
import dev.sandboxd.api.v1.RemoveImageResponse;
import dev.sandboxd.errdefs.SandboxdException;
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
  private final Path spoolDir;

  public ImagesService(ImageService images, Path spoolDir) {
    this.images = images;
    this.spoolDir = spoolDir;
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
    return Image.newBuilder().setName(image.name()).setDigest(image.digest()).setSize(image.size()).build();
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
