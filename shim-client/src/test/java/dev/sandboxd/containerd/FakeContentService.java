package dev.sandboxd.containerd;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import containerd.services.content.v1.ContentGrpc;
import containerd.services.content.v1.ContentOuterClass.AbortRequest;
import containerd.services.content.v1.ContentOuterClass.ReadContentRequest;
import containerd.services.content.v1.ContentOuterClass.ReadContentResponse;
import containerd.services.content.v1.ContentOuterClass.WriteAction;
import containerd.services.content.v1.ContentOuterClass.WriteContentRequest;
import containerd.services.content.v1.ContentOuterClass.WriteContentResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** containerd's content Write protocol as its content service runs it, on in-memory maps. */
final class FakeContentService extends ContentGrpc.ContentImplBase {
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<String, Map<String, String>> labels = new ConcurrentHashMap<>();
  final Map<String, ByteArrayOutputStream> ingests = new ConcurrentHashMap<>();
  final List<String> aborted = new CopyOnWriteArrayList<>();
  final List<WriteAction> actions = new CopyOnWriteArrayList<>();

  @Override
  public StreamObserver<WriteContentRequest> write(StreamObserver<WriteContentResponse> response) {
    return new StreamObserver<>() {
      private String ref;
      private ByteArrayOutputStream ingest;

      @Override
      public void onNext(WriteContentRequest r) {
        actions.add(r.getAction());
        switch (r.getAction()) {
          case STAT -> {
            if (ref == null) {
              ref = r.getRef();
              if (blobs.containsKey(r.getExpected())) {
                response.onError(Status.ALREADY_EXISTS.withDescription(r.getExpected() + ": already exists").asRuntimeException());
                return;
              }
              ingest = ingests.computeIfAbsent(ref, k -> new ByteArrayOutputStream());
            }
            response.onNext(WriteContentResponse.newBuilder().setOffset(ingest.size()).setTotal(r.getTotal()).build());
          }
          case WRITE -> {
            if (r.getOffset() != ingest.size()) {
              response.onError(Status.INVALID_ARGUMENT.withDescription("offset mismatch").asRuntimeException());
              return;
            }
            ingest.writeBytes(r.getData().toByteArray());
            response.onNext(WriteContentResponse.newBuilder().setAction(WriteAction.WRITE).setOffset(ingest.size()).build());
          }
          case COMMIT -> {
            byte[] data = ingest.toByteArray();
            String digest = sha256(data);
            if (data.length != r.getTotal() || !digest.equals(r.getExpected())) {
              response.onError(
                  Status.FAILED_PRECONDITION
                      .withDescription("unexpected commit digest " + digest + ", expected " + r.getExpected())
                      .asRuntimeException());
              return;
            }
            blobs.put(digest, data);
            labels.put(digest, Map.copyOf(r.getLabelsMap()));
            ingests.remove(ref);
            response.onNext(
                WriteContentResponse.newBuilder()
                    .setAction(WriteAction.COMMIT)
                    .setOffset(data.length)
                    .setDigest(digest)
                    .build());
          }
          default -> response.onError(Status.INVALID_ARGUMENT.asRuntimeException());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        response.onCompleted();
      }
    };
  }

  @Override
  public void abort(AbortRequest request, StreamObserver<Empty> response) {
    ingests.remove(request.getRef());
    aborted.add(request.getRef());
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void read(ReadContentRequest request, StreamObserver<ReadContentResponse> response) {
    byte[] data = blobs.get(request.getDigest());
    if (data == null) {
      response.onError(Status.NOT_FOUND.withDescription("content digest " + request.getDigest() + ": not found").asRuntimeException());
      return;
    }
    for (int off = 0; off < data.length; off += 1000) {
      int n = Math.min(1000, data.length - off);
      response.onNext(
          ReadContentResponse.newBuilder().setOffset(off).setData(ByteString.copyFrom(data, off, n)).build());
    }
    response.onCompleted();
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
