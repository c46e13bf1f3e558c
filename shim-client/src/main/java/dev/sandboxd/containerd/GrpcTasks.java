package dev.sandboxd.containerd;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import containerd.services.tasks.v1.TasksGrpc;
import containerd.services.tasks.v1.TasksOuterClass.CreateTaskRequest;
import containerd.services.tasks.v1.TasksOuterClass.DeleteProcessRequest;
import containerd.services.tasks.v1.TasksOuterClass.DeleteResponse;
import containerd.services.tasks.v1.TasksOuterClass.DeleteTaskRequest;
import containerd.services.tasks.v1.TasksOuterClass.ExecProcessRequest;
import containerd.services.tasks.v1.TasksOuterClass.ResizePtyRequest;
import containerd.services.tasks.v1.TasksOuterClass.GetRequest;
import containerd.services.tasks.v1.TasksOuterClass.KillRequest;
import containerd.services.tasks.v1.TasksOuterClass.ListPidsRequest;
import containerd.services.tasks.v1.TasksOuterClass.ListTasksRequest;
import containerd.services.tasks.v1.TasksOuterClass.StartRequest;
import containerd.services.tasks.v1.TasksOuterClass.WaitRequest;
import containerd.services.tasks.v1.TasksOuterClass.WaitResponse;
import containerd.v1.types.Task;
import dev.sandboxd.errdefs.SandboxdException;
import io.grpc.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

final class GrpcTasks implements Tasks {
  private final TasksGrpc.TasksBlockingStub stub;

  GrpcTasks(Channel channel) {
    this.stub = TasksGrpc.newBlockingStub(channel);
  }

  @Override
  public int create(String containerId, List<Mount> rootfs, TaskIo io) {
    CreateTaskRequest request =
        CreateTaskRequest.newBuilder()
            .setContainerId(containerId)
            .addAllRootfs(Mount.toProtos(rootfs))
            .setStdin(io.stdin())
            .setStdout(io.stdout())
            .setStderr(io.stderr())
            .build();
    return Calls.call("create task " + containerId, () -> stub.create(request).getPid());
  }

  @Override
  public int start(String containerId) {
    return start(containerId, "");
  }

  @Override
  public int start(String containerId, String execId) {
    StartRequest request = StartRequest.newBuilder().setContainerId(containerId).setExecId(execId).build();
    return Calls.call("start " + process(containerId, execId), () -> stub.start(request).getPid());
  }

  @Override
  public void kill(String containerId, String execId, int signal, boolean all) {
    KillRequest request =
        KillRequest.newBuilder()
            .setContainerId(containerId)
            .setExecId(execId)
            .setSignal(signal)
            .setAll(all)
            .build();
    Calls.run("kill " + process(containerId, execId) + " with signal " + signal, () -> stub.kill(request));
  }

  @Override
  public ExitStatus delete(String containerId) {
    DeleteTaskRequest request = DeleteTaskRequest.newBuilder().setContainerId(containerId).build();
    return Calls.call("delete task " + containerId, () -> toExitStatus(stub.delete(request)));
  }

  @Override
  public ExitStatus deleteProcess(String containerId, String execId) {
    DeleteProcessRequest request =
        DeleteProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId).build();
    return Calls.call(
        "delete " + process(containerId, execId), () -> toExitStatus(stub.deleteProcess(request)));
  }

  @Override
  public TaskProcess get(String containerId) {
    GetRequest request = GetRequest.newBuilder().setContainerId(containerId).build();
    return Calls.call("get task " + containerId, () -> toInfo(stub.get(request).getProcess()));
  }

  @Override
  public List<TaskProcess> list(String filter) {
    ListTasksRequest request = ListTasksRequest.newBuilder().setFilter(filter).build();
    return Calls.call(
        Calls.withFilters("list tasks", filter.isEmpty() ? new String[0] : new String[] {filter}),
        () -> stub.list(request).getTasksList().stream().map(GrpcTasks::toInfo).toList());
  }

  @Override
  public ExitStatus wait(String containerId, String execId, Duration timeout) {
    WaitRequest request = WaitRequest.newBuilder().setContainerId(containerId).setExecId(execId).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      return Calls.call(
          "wait for " + process(containerId, execId),
          () -> {
            WaitResponse response =
                stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).wait(request);
            return new ExitStatus(response.getExitStatus(), ProtoTimestamps.toInstant(response.getExitedAt()));
          });
    } catch (SandboxdException e) {
      throw afterDeadline(e, deadline - System.nanoTime());
    }
  }

  /**
   * When the wait's deadline passes, containerd's own context often expires first and it answers
   * "context deadline exceeded" with code UNKNOWN, not DEADLINE_EXCEEDED. Past the deadline such
   * an unspecific failure is the deadline's, so callers can tell "still running" from an error.
   */
  static SandboxdException afterDeadline(SandboxdException failure, long nanosLeft) {
    return nanosLeft <= 0 && failure instanceof SandboxdException.Internal
        ? SandboxdException.deadlineExceeded(failure.getMessage(), failure)
        : failure;
  }

  @Override
  public void exec(String containerId, String execId, byte[] processSpecJson, TaskIo io) {
    ExecProcessRequest request =
        ExecProcessRequest.newBuilder()
            .setContainerId(containerId)
            .setExecId(execId)
            .setSpec(Any.newBuilder().setTypeUrl(PROCESS_TYPE_URL).setValue(ByteString.copyFrom(processSpecJson)))
            .setStdin(io.stdin())
            .setStdout(io.stdout())
            .setStderr(io.stderr())
            .setTerminal(io.terminal())
            .build();
    Calls.run("exec " + process(containerId, execId), () -> stub.exec(request));
  }

  @Override
  public void resizePty(String containerId, String execId, int width, int height) {
    ResizePtyRequest request = ResizePtyRequest.newBuilder()
        .setContainerId(containerId)
        .setExecId(execId)
        .setWidth(width)
        .setHeight(height)
        .build();
    Calls.run("resize the terminal of " + process(containerId, execId), () -> stub.resizePty(request));
  }

  @Override
  public List<Integer> pids(String containerId) {
    ListPidsRequest request = ListPidsRequest.newBuilder().setContainerId(containerId).build();
    return Calls.call(
        "list pids of task " + containerId,
        () -> stub.listPids(request).getProcessesList().stream().map(p -> p.getPid()).toList());
  }

  private static String process(String containerId, String execId) {
    return execId.isEmpty() ? "task " + containerId : "process " + execId + " of task " + containerId;
  }

  private static ExitStatus toExitStatus(DeleteResponse response) {
    return new ExitStatus(response.getExitStatus(), ProtoTimestamps.toInstant(response.getExitedAt()));
  }

  private static TaskProcess toInfo(Task.Process p) {
    return new TaskProcess(
        p.getContainerId(),
        p.getPid(),
        ProcessStatus.fromProto(p.getStatus()),
        p.getExitStatus(),
        ProtoTimestamps.toOptionalInstant(p.hasExitedAt(), p.getExitedAt()));
  }
}
