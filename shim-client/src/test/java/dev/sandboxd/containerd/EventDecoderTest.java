package dev.sandboxd.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import containerd.events.Task;
import containerd.services.images.v1.Image;
import containerd.types.Event.Envelope;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
  private static final Timestamp AT = Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(5).build();
  private static final Instant AT_INSTANT = Instant.ofEpochSecond(1_700_000_000, 5);
  private static final Timestamp EXITED = Timestamp.newBuilder().setSeconds(1_700_000_001).build();

  @Test
  void taskExitOfInitProcess() throws Exception {
    Envelope envelope =
        envelope(
            "/tasks/exit",
            Task.TaskExit.newBuilder()
                .setContainerId("web-app")
                .setId("web-app")
                .setPid(4242)
                .setExitStatus(3)
                .setExitedAt(EXITED)
                .build());
    ContainerdEvent event = EventDecoder.decode(envelope);
    assertEquals(
        new ContainerdEvent.TaskExit(
            "sandboxd", AT_INSTANT, "web-app", "web-app", 4242, 3, Instant.ofEpochSecond(1_700_000_001)),
        event);
    assertTrue(((ContainerdEvent.TaskExit) event).isInit());
    assertEquals("/tasks/exit", event.topic());
  }

  @Test
  void taskExitOfExecProcessIsNotInit() throws Exception {
    ContainerdEvent.TaskExit exit =
        (ContainerdEvent.TaskExit)
            EventDecoder.decode(
                envelope("/tasks/exit", Task.TaskExit.newBuilder().setContainerId("c").setId("probe-1").build()));
    assertEquals("probe-1", exit.processId());
    assertFalse(exit.isInit());
  }

  @Test
  void otherTaskEvents() throws Exception {
    assertEquals(
        new ContainerdEvent.TaskOom("sandboxd", AT_INSTANT, "c1"),
        EventDecoder.decode(envelope("/tasks/oom", Task.TaskOOM.newBuilder().setContainerId("c1").build())));
    assertEquals(
        new ContainerdEvent.TaskStart("sandboxd", AT_INSTANT, "c1", 7),
        EventDecoder.decode(
            envelope("/tasks/start", Task.TaskStart.newBuilder().setContainerId("c1").setPid(7).build())));
    assertEquals(
        new ContainerdEvent.TaskCreate("sandboxd", AT_INSTANT, "c1", 7, "/run/bundle"),
        EventDecoder.decode(
            envelope(
                "/tasks/create",
                Task.TaskCreate.newBuilder().setContainerId("c1").setPid(7).setBundle("/run/bundle").build())));
    assertEquals(
        new ContainerdEvent.TaskDelete("sandboxd", AT_INSTANT, "c1", "c1", 7, 137, Instant.ofEpochSecond(1_700_000_001)),
        EventDecoder.decode(
            envelope(
                "/tasks/delete",
                Task.TaskDelete.newBuilder()
                    .setContainerId("c1")
                    .setId("c1")
                    .setPid(7)
                    .setExitStatus(137)
                    .setExitedAt(EXITED)
                    .build())));
    assertEquals(
        new ContainerdEvent.TaskExecStarted("sandboxd", AT_INSTANT, "c1", "e1", 9),
        EventDecoder.decode(
            envelope(
                "/tasks/exec-started",
                Task.TaskExecStarted.newBuilder().setContainerId("c1").setExecId("e1").setPid(9).build())));
  }

  @Test
  void typeUrlWithHostPrefixDecodesToo() throws Exception {
    Envelope envelope =
        Envelope.newBuilder()
            .setNamespace("n")
            .setTopic("/tasks/oom")
            .setEvent(Any.pack(Task.TaskOOM.newBuilder().setContainerId("c").build())) // type.googleapis.com/...
            .build();
    assertEquals(new ContainerdEvent.TaskOom("n", Instant.EPOCH, "c"), EventDecoder.decode(envelope));
  }

  @Test
  void imageEventsNameTheImage() throws Exception {
    assertEquals(
        new ContainerdEvent.ImageChange("sandboxd", AT_INSTANT, "/images/update", "localhost/app:1"),
        EventDecoder.decode(envelope("/images/update", Image.ImageUpdate.newBuilder().setName("localhost/app:1").build())));
    assertEquals(
        new ContainerdEvent.ImageChange("sandboxd", AT_INSTANT, "/images/delete", "localhost/app:1"),
        EventDecoder.decode(envelope("/images/delete", Image.ImageDelete.newBuilder().setName("localhost/app:1").build())));
  }

  @Test
  void unknownPayloadsBecomeOther() throws Exception {
    Envelope envelope =
        Envelope.newBuilder()
            .setNamespace("n")
            .setTopic("/snapshot/prepare")
            .setTimestamp(AT)
            .setEvent(Any.newBuilder().setTypeUrl("containerd.events.SnapshotPrepare"))
            .build();
    assertEquals(
        new ContainerdEvent.Other("n", AT_INSTANT, "/snapshot/prepare", "containerd.events.SnapshotPrepare"),
        EventDecoder.decode(envelope));
  }

  @Test
  void filtersAreScopedToTheNamespace() {
    assertEquals(List.of("namespace==\"sandboxd\""), GrpcEvents.scoped("sandboxd", List.of()));
    assertEquals(
        List.of("namespace==\"sandboxd\",topic==\"/tasks/exit\"", "namespace==\"sandboxd\",topic==\"/tasks/oom\""),
        GrpcEvents.scoped("sandboxd", List.of("topic==\"/tasks/exit\"", "topic==\"/tasks/oom\"")));
  }

  // containerd writes the bare message name as the type URL (typeurl.MarshalAny).
  private static Envelope envelope(String topic, Message event) {
    return Envelope.newBuilder()
        .setNamespace("sandboxd")
        .setTopic(topic)
        .setTimestamp(AT)
        .setEvent(
            Any.newBuilder()
                .setTypeUrl(event.getDescriptorForType().getFullName())
                .setValue(event.toByteString()))
        .build();
  }
}
