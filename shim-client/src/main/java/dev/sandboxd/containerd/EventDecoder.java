package dev.sandboxd.containerd;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import containerd.events.Task;
import containerd.services.images.v1.Image;
import containerd.types.Event.Envelope;
import java.time.Instant;

/**
 * Envelope to typed event. The payload type is taken from the Any's type URL (containerd writes
 * the bare message name, e.g. {@code containerd.events.TaskExit}), not from the topic, so a
 * forwarded event with an odd topic still decodes by what it is.
 */
final class EventDecoder {
  private EventDecoder() {}

  static ContainerdEvent decode(Envelope envelope) throws InvalidProtocolBufferException {
    String ns = envelope.getNamespace();
    Instant at = ProtoTimestamps.toInstant(envelope.getTimestamp());
    Any payload = envelope.getEvent();
    String url = payload.getTypeUrl();
    String type = url.substring(url.lastIndexOf('/') + 1);
    switch (type) {
      case "containerd.events.TaskCreate": {
        Task.TaskCreate e = Task.TaskCreate.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskCreate(ns, at, e.getContainerId(), e.getPid(), e.getBundle());
      }
      case "containerd.events.TaskStart": {
        Task.TaskStart e = Task.TaskStart.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskStart(ns, at, e.getContainerId(), e.getPid());
      }
      case "containerd.events.TaskExit": {
        Task.TaskExit e = Task.TaskExit.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskExit(
            ns, at, e.getContainerId(), e.getId(), e.getPid(), e.getExitStatus(),
            ProtoTimestamps.toInstant(e.getExitedAt()));
      }
      case "containerd.events.TaskDelete": {
        Task.TaskDelete e = Task.TaskDelete.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskDelete(
            ns, at, e.getContainerId(), e.getId(), e.getPid(), e.getExitStatus(),
            ProtoTimestamps.toInstant(e.getExitedAt()));
      }
      case "containerd.events.TaskOOM": {
        Task.TaskOOM e = Task.TaskOOM.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskOom(ns, at, e.getContainerId());
      }
      case "containerd.events.TaskExecStarted": {
        Task.TaskExecStarted e = Task.TaskExecStarted.parseFrom(payload.getValue());
        return new ContainerdEvent.TaskExecStarted(ns, at, e.getContainerId(), e.getExecId(), e.getPid());
      }
      case "containerd.services.images.v1.ImageCreate":
        return new ContainerdEvent.ImageChange(ns, at, envelope.getTopic(), Image.ImageCreate.parseFrom(payload.getValue()).getName());
      case "containerd.services.images.v1.ImageUpdate":
        return new ContainerdEvent.ImageChange(ns, at, envelope.getTopic(), Image.ImageUpdate.parseFrom(payload.getValue()).getName());
      case "containerd.services.images.v1.ImageDelete":
        return new ContainerdEvent.ImageChange(ns, at, envelope.getTopic(), Image.ImageDelete.parseFrom(payload.getValue()).getName());
      default:
        return new ContainerdEvent.Other(ns, at, envelope.getTopic(), url);
    }
  }
}
