package dev.sandboxd.audit;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One log line per mutating API call, when it ends: who (the peer's uid, gid and pid), what
 * (the method), to which pod or image, and the outcome (OK, or the status code and message).
 * Reads are not audited.
 */
public final class AuditInterceptor implements ServerInterceptor {
  private static final Logger LOG = System.getLogger("dev.sandboxd.audit");

  /** The calls that change something, by gRPC method name. */
  static final Set<String> MUTATING = Set.of(
      "RunPod", "StopPod", "RemovePod", "Exec", "AttachedExec", "PortForward", "PausePod", "UnpausePod", "ImportImage",
      "RemoveImage", "PullImage", "PruneImages");

  private final Consumer<String> sink;

  public AuditInterceptor() {
    this(line -> LOG.log(Level.INFO, line));
  }

  AuditInterceptor(Consumer<String> sink) {
    this.sink = sink;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    if (!MUTATING.contains(method)) {
      return next.startCall(call, headers);
    }
    Optional<Peer> peer = Optional.ofNullable(call.getAttributes()).map(a -> a.get(Peer.KEY));
    // Streams (image import) send many requests: the first one that names something counts.
    String[] target = {null};
    ServerCall<Q, R> audited = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        if (target[0] == null) {
          target[0] = describe(message).orElse(null);
        }
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        sink.accept(line(peer, method, Optional.ofNullable(target[0]), status));
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(audited, headers)) {
      @Override
      public void onMessage(Q message) {
        if (target[0] == null) {
          target[0] = describe(message).orElse(null);
        }
        super.onMessage(message);
      }
    };
  }

  static String line(Optional<Peer> peer, String method, Optional<String> target, Status status) {
    String outcome = status.isOk()
        ? "OK"
        : status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    return "audit: " + peer.map(Peer::toString).orElse("uid=? gid=? pid=?") + " " + method + " "
        + escaped(target.orElse("-")) + " -> " + escaped(outcome);
  }

  /**
   * Targets come from requests before anything validated them: a newline in one would forge a
   * line of its own in the log, so every control character is written as \xNN.
   */
  static String escaped(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || c == '\\') {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  /**
   * What a request or response names: pod=REF (and container=NAME) from a PodRef, pod=ns/name
   * from a returned Pod (RunPod's request holds only manifest text), image=NAME... from images.
   */
  static Optional<String> describe(Object message) {
    if (!(message instanceof Message m)) {
      return Optional.empty();
    }
    Optional<Message> pod = messageField(m, "pod");
    if (pod.isPresent()) {
      Optional<String> ref = stringField(pod.get(), "ref");
      if (ref.isPresent()) {
        return Optional.of("pod=" + ref.get() + stringField(m, "container").map(c -> " container=" + c).orElse(""));
      }
      Optional<Message> meta = messageField(pod.get(), "metadata");
      if (meta.isPresent()) {
        return Optional.of("pod=" + stringField(meta.get(), "namespace").orElse("") + "/" + stringField(meta.get(), "name").orElse(""));
      }
    }
    FieldDescriptor images = m.getDescriptorForType().findFieldByName("images");
    if (images != null && images.isRepeated() && m.getRepeatedFieldCount(images) > 0) {
      List<String> names = ((List<?>) m.getField(images)).stream()
          .map(i -> stringField((Message) i, "name").orElse("?")).toList();
      return Optional.of("image=" + String.join(",", names));
    }
    return stringField(m, "name").or(() -> stringField(m, "ref")).or(() -> stringField(m, "reference")).map(n -> "image=" + n);
  }

  private static Optional<Message> messageField(Message m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    if (f == null || f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !m.hasField(f)) {
      return Optional.empty();
    }
    return Optional.of((Message) m.getField(f));
  }

  private static Optional<String> stringField(Message m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    if (f == null || f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.STRING) {
      return Optional.empty();
    }
    String value = (String) m.getField(f);
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }
}
