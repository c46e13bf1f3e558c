package dev.sandboxd.containerd;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import containerd.services.content.v1.ContentGrpc;
import containerd.services.content.v1.ContentOuterClass.AbortRequest;
import containerd.services.content.v1.ContentOuterClass.DeleteContentRequest;
import containerd.services.content.v1.ContentOuterClass.Info;
import containerd.services.content.v1.ContentOuterClass.InfoRequest;
import containerd.services.content.v1.ContentOuterClass.ListContentRequest;
import containerd.services.content.v1.ContentOuterClass.ListStatusesRequest;
import containerd.services.content.v1.ContentOuterClass.ReadContentRequest;
import containerd.services.content.v1.ContentOuterClass.ReadContentResponse;
import containerd.services.content.v1.ContentOuterClass.UpdateRequest;
import containerd.services.content.v1.ContentOuterClass.WriteAction;
import containerd.services.content.v1.ContentOuterClass.WriteContentRequest;
import containerd.services.content.v1.ContentOuterClass.WriteContentResponse;
import dev.sandboxd.errdefs.GrpcErrors;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.BlockingClientCall;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

final class GrpcContentStore implements ContentStore {
  // Well below containerd's 16 MiB message limit; one round trip per chunk keeps memory flat.
  static final int CHUNK_SIZE = 1 << 20;
  // A writer of the same ref holds a lock: containerd answers UNAVAILABLE; wait a little, like
  // content.OpenWriter does, then give up.
  private static final int LOCKED_RETRIES = 8;

  private final ContentGrpc.ContentBlockingStub stub;
  private final ContentGrpc.ContentBlockingV2Stub streamStub;
  private final Duration callTimeout;
  private final Duration transferTimeout;

  GrpcContentStore(Channel channel, Duration callTimeout, Duration transferTimeout) {
    this.stub = ContentGrpc.newBlockingStub(channel);
    this.streamStub = ContentGrpc.newBlockingV2Stub(channel);
    this.callTimeout = callTimeout;
    this.transferTimeout = transferTimeout;
  }

  @Override
  public Optional<ContentInfo> info(String digest) {
    InfoRequest request = InfoRequest.newBuilder().setDigest(digest).build();
    try {
      return Optional.of(toInfo(stub.info(request).getInfo()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw GrpcErrors.fromStatus("containerd: content info " + digest, e);
    }
  }

  @Override
  public List<ContentInfo> list(String... filters) {
    ListContentRequest request = ListContentRequest.newBuilder().addAllFilters(Arrays.asList(filters)).build();
    return Calls.call(
        Calls.withFilters("list content", filters),
        () -> {
          List<ContentInfo> infos = new ArrayList<>();
          stub.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
              .list(request)
              .forEachRemaining(r -> r.getInfoList().forEach(i -> infos.add(toInfo(i))));
          return infos;
        });
  }

  @Override
  public ContentInfo updateLabels(String digest, Map<String, String> labels) {
    FieldMask.Builder mask = FieldMask.newBuilder();
    labels.keySet().forEach(key -> mask.addPaths("labels." + key));
    UpdateRequest request =
        UpdateRequest.newBuilder()
            .setInfo(Info.newBuilder().setDigest(digest).putAllLabels(labels))
            .setUpdateMask(mask)
            .build();
    return Calls.call("update labels of blob " + digest, () -> toInfo(stub.update(request).getInfo()));
  }

  @Override
  public boolean writeBlob(String ref, InputStream data, Descriptor expected, Map<String, String> labels)
      throws IOException {
    String what = "containerd: write blob " + expected.digest();
    try {
      for (int attempt = 0; ; attempt++) {
        BlockingClientCall<WriteContentRequest, WriteContentResponse> call =
            streamStub.withDeadlineAfter(transferTimeout.toNanos(), TimeUnit.NANOSECONDS).write();
        WriteContentResponse status;
        try {
          status =
              exchange(
                  call,
                  WriteContentRequest.newBuilder()
                      .setAction(WriteAction.STAT)
                      .setRef(ref)
                      .setTotal(expected.size())
                      .setExpected(expected.digest())
                      .build());
        } catch (StatusException e) {
          Status.Code code = e.getStatus().getCode();
          if (code == Status.Code.ALREADY_EXISTS) {
            return false;
          }
          if (code == Status.Code.UNAVAILABLE && attempt < LOCKED_RETRIES) {
            Thread.sleep(16L << attempt);
            continue;
          }
          throw e;
        }
        writeAndCommit(call, ref, data, expected, labels, status.getOffset());
        return true;
      }
    } catch (StatusException e) {
      throw GrpcErrors.fromStatus(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SandboxdException.unavailable(what + ": interrupted", e);
    }
  }

  private void writeAndCommit(
      BlockingClientCall<WriteContentRequest, WriteContentResponse> call,
      String ref,
      InputStream data,
      Descriptor expected,
      Map<String, String> labels,
      long resumeOffset)
      throws IOException, StatusException, InterruptedException {
    boolean committed = false;
    try {
      // An earlier attempt of this ref left data behind: continue after it, as content.Copy does;
      // the digest check on commit covers the whole blob.
      long offset = resumeOffset;
      data.skipNBytes(offset);
      while (offset < expected.size()) {
        byte[] chunk = data.readNBytes((int) Math.min(CHUNK_SIZE, expected.size() - offset));
        if (chunk.length == 0) {
          throw new EOFException(
              "blob " + expected.digest() + " ended after " + offset + " of " + expected.size() + " bytes");
        }
        WriteContentResponse written =
            exchange(
                call,
                WriteContentRequest.newBuilder()
                    .setAction(WriteAction.WRITE)
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(chunk))
                    .build());
        if (written.getOffset() != offset + chunk.length) {
          throw SandboxdException.internal(
              "containerd: write blob " + expected.digest() + ": short write at offset " + offset, null);
        }
        offset = written.getOffset();
      }
      WriteContentResponse commit =
          exchange(
              call,
              WriteContentRequest.newBuilder()
                  .setAction(WriteAction.COMMIT)
                  .setTotal(expected.size())
                  .setOffset(offset)
                  .setExpected(expected.digest())
                  .putAllLabels(labels)
                  .build());
      if (!commit.getDigest().equals(expected.digest())) {
        throw SandboxdException.internal(
            "containerd: write blob " + expected.digest() + ": committed as " + commit.getDigest(), null);
      }
      committed = true;
      call.halfClose();
      while (call.hasNext()) {
        call.read();
      }
    } finally {
      if (!committed) {
        call.cancel("blob write failed", null);
        abortQuietly(ref);
      }
    }
  }

  private static WriteContentResponse exchange(
      BlockingClientCall<WriteContentRequest, WriteContentResponse> call, WriteContentRequest request)
      throws StatusException, InterruptedException {
    if (!call.write(request)) {
      // The server closed the stream; read() reports its status.
      call.read();
      throw Status.INTERNAL.withDescription("write stream closed").asException();
    }
    WriteContentResponse response = call.read();
    if (response == null) {
      throw Status.INTERNAL.withDescription("write stream ended without a response").asException();
    }
    return response;
  }

  private void abortQuietly(String ref) {
    try {
      abort(ref);
    } catch (SandboxdException e) {
      // Nothing was committed, so nothing refers to the ingest: GC drops it with its lease.
    }
  }

  @Override
  public byte[] readBlob(String digest, long maxSize) {
    try (InputStream in = openBlob(digest)) {
      byte[] data = in.readNBytes((int) Math.min(maxSize + 1, Integer.MAX_VALUE - 8));
      if (data.length > maxSize) {
        throw SandboxdException.resourceExhausted("containerd: read blob %s: larger than the limit of %d bytes", digest, maxSize);
      }
      return data;
    } catch (IOException e) {
      throw SandboxdException.internal("containerd: read blob " + digest, e);
    }
  }

  @Override
  public InputStream openBlob(String digest) {
    String what = "containerd: read blob " + digest;
    ReadContentRequest request = ReadContentRequest.newBuilder().setDigest(digest).build();
    BlockingClientCall<?, ReadContentResponse> call =
        streamStub.withDeadlineAfter(transferTimeout.toNanos(), TimeUnit.NANOSECONDS).read(request);
    return new InputStream() {
      private ByteBuffer chunk = ByteBuffer.allocate(0);
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        while (!chunk.hasRemaining()) {
          if (ended) {
            return -1;
          }
          try {
            ReadContentResponse r = call.read();
            if (r == null) {
              ended = true;
            } else {
              chunk = r.getData().asReadOnlyByteBuffer();
            }
          } catch (StatusException e) {
            ended = true;
            throw GrpcErrors.fromStatus(what, e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SandboxdException.unavailable(what + ": interrupted", e);
          }
        }
        int n = Math.min(len, chunk.remaining());
        chunk.get(b, off, n);
        return n;
      }

      @Override
      public void close() {
        if (!ended) {
          ended = true;
          call.cancel("read abandoned", null);
        }
      }
    };
  }

  @Override
  public void delete(String digest) {
    DeleteContentRequest request = DeleteContentRequest.newBuilder().setDigest(digest).build();
    Calls.run("delete blob " + digest, () -> stub.delete(request));
  }

  @Override
  public List<String> ingests() {
    ListStatusesRequest request = ListStatusesRequest.getDefaultInstance();
    return Calls.call(
        "list ingests",
        () -> stub.listStatuses(request).getStatusesList().stream().map(s -> s.getRef()).toList());
  }

  @Override
  public void abort(String ref) {
    AbortRequest request = AbortRequest.newBuilder().setRef(ref).build();
    Calls.run("abort ingest " + ref, () -> stub.abort(request));
  }

  private static ContentInfo toInfo(Info i) {
    return new ContentInfo(
        i.getDigest(),
        i.getSize(),
        i.getLabelsMap(),
        ProtoTimestamps.toInstant(i.getCreatedAt()),
        ProtoTimestamps.toInstant(i.getUpdatedAt()));
  }
}
