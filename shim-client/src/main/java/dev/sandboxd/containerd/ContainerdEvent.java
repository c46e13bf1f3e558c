package dev.sandboxd.containerd;

import java.time.Instant;

/**
 * An event from containerd's event stream, decoded from its envelope. Task events come typed;
 * everything else as {@link Other}. {@code namespace} is the envelope's, the namespace the event
 * happened in.
 */
public sealed interface ContainerdEvent {
  String namespace();

  Instant timestamp();

  String topic();

  /** A task was created (its shim and runc container exist, the process has not started). */
  record TaskCreate(String namespace, Instant timestamp, String containerId, int pid, String bundle)
      implements ContainerdEvent {
    public static final String TOPIC = "/tasks/create";

    @Override
    public String topic() {
      return TOPIC;
    }
  }

  /** A task's init process started. */
  record TaskStart(String namespace, Instant timestamp, String containerId, int pid) implements ContainerdEvent {
    public static final String TOPIC = "/tasks/start";

    @Override
    public String topic() {
      return TOPIC;
    }
  }

  /**
   * A process of a task exited.
   *
   * @param processId the exec id, or the container id for the init process
   */
  record TaskExit(
      String namespace, Instant timestamp, String containerId, String processId, int pid, int exitStatus,
      Instant exitedAt)
      implements ContainerdEvent {
    public static final String TOPIC = "/tasks/exit";

    @Override
    public String topic() {
      return TOPIC;
    }

    /** True when the task's init process exited, i.e. the container stopped. */
    public boolean isInit() {
      return processId.isEmpty() || processId.equals(containerId);
    }
  }

  /** A task was deleted; {@code processId} as in {@link TaskExit}. */
  record TaskDelete(
      String namespace, Instant timestamp, String containerId, String processId, int pid, int exitStatus,
      Instant exitedAt)
      implements ContainerdEvent {
    public static final String TOPIC = "/tasks/delete";

    @Override
    public String topic() {
      return TOPIC;
    }
  }

  /** The kernel's OOM killer hit a process of the task's cgroup. */
  record TaskOom(String namespace, Instant timestamp, String containerId) implements ContainerdEvent {
    public static final String TOPIC = "/tasks/oom";

    @Override
    public String topic() {
      return TOPIC;
    }
  }

  /** An exec'd process started. */
  record TaskExecStarted(String namespace, Instant timestamp, String containerId, String execId, int pid)
      implements ContainerdEvent {
    public static final String TOPIC = "/tasks/exec-started";

    @Override
    public String topic() {
      return TOPIC;
    }
  }

  /**
   * An image name was created, pointed at other content, or deleted ({@code topic} says which):
   * whatever was resolved for that name may be stale.
   */
  record ImageChange(String namespace, Instant timestamp, String topic, String name) implements ContainerdEvent {
    public static final String CREATE = "/images/create";
    public static final String UPDATE = "/images/update";
    public static final String DELETE = "/images/delete";
  }

  /** Any other event; {@code typeUrl} names its payload's protobuf type. */
  record Other(String namespace, Instant timestamp, String topic, String typeUrl) implements ContainerdEvent {}
}
