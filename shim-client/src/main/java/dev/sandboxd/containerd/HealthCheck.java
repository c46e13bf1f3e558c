package dev.sandboxd.containerd;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Empty;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * containerd's standard gRPC health service ({@code grpc.health.v1.Health/Check}), the check its
 * own client's IsServing makes. Its two messages have one field each, so they are coded here
 * rather than pulling in grpc-services: the request for the server as a whole is empty, and the
 * response is field 1, the serving status enum (written too, for fakes of the service).
 */
final class HealthCheck {
  static final int SERVING = 1;

  static final MethodDescriptor<Empty, Integer> CHECK =
      MethodDescriptor.<Empty, Integer>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.health.v1.Health", "Check"))
          .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
          .setResponseMarshaller(new StatusMarshaller())
          .build();

  private HealthCheck() {}

  /** The server's serving status (1 = SERVING); throws StatusRuntimeException when unreachable. */
  static int check(Channel channel, Duration timeout) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return ClientCalls.blockingUnaryCall(channel, CHECK, options, Empty.getDefaultInstance());
  }

  private static final class StatusMarshaller implements MethodDescriptor.Marshaller<Integer> {
    @Override
    public InputStream stream(Integer status) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        CodedOutputStream coded = CodedOutputStream.newInstance(out);
        coded.writeEnum(1, status);
        coded.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public Integer parse(InputStream stream) {
      try {
        CodedInputStream in = CodedInputStream.newInstance(stream);
        int status = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          if (WireFormat.getTagFieldNumber(tag) == 1
              && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
            status = in.readEnum();
          } else {
            in.skipField(tag);
          }
        }
        return status;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot parse health check response", e);
      }
    }
  }
}
