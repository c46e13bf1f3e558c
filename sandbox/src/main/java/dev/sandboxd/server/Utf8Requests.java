package dev.sandboxd.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.PodManifests;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A request whose string field holds invalid UTF-8 cannot be parsed by protobuf: grpc then fails
 * the call as UNKNOWN and logs a SEVERE stack trace. This checks the request's top-level string
 * fields first and answers INVALID_ARGUMENT naming the field ("manifest: is not UTF-8 text").
 */
public final class Utf8Requests implements ServerInterceptor {
  private final ServerServiceDefinition typed;

  private Utf8Requests(ServerServiceDefinition typed) {
    this.typed = typed;
  }

  /**
   * The service, with every request checked before protobuf parses it. Interceptors that read
   * the typed messages (the audit) go in typedInterceptors: outside the guard they would see
   * only byte streams.
   */
  public static ServerServiceDefinition guard(BindableService service, ServerInterceptor... typedInterceptors) {
    ServerServiceDefinition typed = ServerInterceptors.intercept(service.bindService(), typedInterceptors);
    return ServerInterceptors.intercept(ServerInterceptors.useInputStreamMessages(typed), new Utf8Requests(typed));
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ServerMethodDefinition<?, ?> method = typed.getMethod(call.getMethodDescriptor().getFullMethodName());
    Descriptor request = method.getMethodDescriptor().getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof Message m ? m.getDescriptorForType() : null;
    ServerCall.Listener<ReqT> delegate = next.startCall(call, headers);
    if (request == null) {
      return delegate;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(ReqT message) {
        byte[] bytes = readAll((InputStream) message);
        try {
          check(request, bytes);
        } catch (SandboxdException.InvalidArgument e) {
          refused = true;
          call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
          return;
        }
        super.onMessage((ReqT) new ByteArrayInputStream(bytes));
      }

      @Override
      public void onHalfClose() {
        // The call is closed already: the handler must not answer it.
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** Each top-level string field must be UTF-8; the rest is left to protobuf's own parser. */
  static void check(Descriptor request, byte[] bytes) {
    UnknownFieldSet fields;
    try {
      fields = UnknownFieldSet.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    for (Map.Entry<Integer, UnknownFieldSet.Field> entry : fields.asMap().entrySet()) {
      FieldDescriptor field = request.findFieldByNumber(entry.getKey());
      if (field == null || field.getType() != FieldDescriptor.Type.STRING) {
        continue;
      }
      List<ByteString> values = entry.getValue().getLengthDelimitedList();
      for (ByteString value : values) {
        PodManifests.decodeUtf8(value.toByteArray(), field.getName());
      }
    }
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
