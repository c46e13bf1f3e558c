package dev.sandboxd.bench;

import static dev.sandboxd.bench.LatencyStats.round;

import dev.sandboxd.api.v1.Pod;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Many pods created at a fixed concurrency: total time, pods per second, errors. */
final class ThroughputSuite {
  private final SandboxdPods pods;
  private final long sandboxdPid;

  ThroughputSuite(SandboxdPods pods, long sandboxdPid) {
    this.pods = pods;
    this.sandboxdPid = sandboxdPid;
  }

  /**
   * cpuBusyPercent: all cores of the machine, while the pods were created (everything counts:
   * containerd, shims, runc, sandboxd, this client, and whatever else runs); sandboxdCpuS and
   * clientCpuS: the parts of it that were sandboxd's and this benchmark client's. firstError is
   * null when every pod started.
   */
  record Result(int concurrency, int pods, int errors, double totalS, double podsPerS, double cpuBusyPercent,
      double sandboxdCpuS, double clientCpuS, double removeTotalS, String firstError) {}

  /** Creates {@code count} one-container pods with {@code concurrency} callers, then removes them (also timed). */
  Result run(int count, int concurrency) throws IOException, InterruptedException {
    String prefix = "bench-tp" + concurrency + "-";
    List<Pod> created = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    ProcStats.MachineCpu cpu = ProcStats.MachineCpu.now();
    double sandboxdCpu = ProcStats.cpuSeconds(sandboxdPid);
    double clientCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid());
    long start = System.nanoTime();
    forEach(count, concurrency, i -> pods.runUntilRunning(BenchPods.sleepers(prefix + i, 1)), created, errors);
    double total = (System.nanoTime() - start) / 1e9;
    double busy = ProcStats.MachineCpu.now().busyPercentSince(cpu);
    sandboxdCpu = ProcStats.cpuSeconds(sandboxdPid) - sandboxdCpu;
    clientCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - clientCpu;
    start = System.nanoTime();
    removeAll(created, concurrency);
    double removal = (System.nanoTime() - start) / 1e9;
    return new Result(concurrency, count, errors.size(), round(total), round(created.size() / total), round(busy), round(sandboxdCpu),
        round(clientCpu), round(removal),
        errors.isEmpty() ? null : errors.get(0));
  }

  /** Removes the pods (force) with {@code concurrency} callers; fails if any removal does. */
  void removeAll(List<Pod> running, int concurrency) throws InterruptedException {
    List<String> errors = new ArrayList<>();
    forEach(running.size(), concurrency, i -> {
      pods.removeForce(running.get(i));
      return running.get(i);
    }, new ArrayList<>(), errors);
    if (!errors.isEmpty()) {
      throw new IllegalStateException(errors.size() + " pods could not be removed, the first: " + errors.get(0));
    }
  }

  /** Creates pods with {@code concurrency} callers until {@code count} are running; used for the footprint. */
  List<Pod> populate(String prefix, int from, int to, int concurrency) throws InterruptedException {
    List<Pod> created = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    forEach(to - from, concurrency, i -> pods.runUntilRunning(BenchPods.sleepers(prefix + (from + i), 1)), created, errors);
    if (!errors.isEmpty()) {
      throw new IllegalStateException(errors.size() + " pods failed to start, the first: " + errors.get(0));
    }
    return created;
  }

  private static void forEach(int count, int concurrency, IntFunction<Pod> call, List<Pod> done, List<String> errors)
      throws InterruptedException {
    ExecutorService callers = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<Pod>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(callers.submit(() -> call.apply(index)));
      }
      for (Future<Pod> f : futures) {
        try {
          done.add(f.get());
        } catch (ExecutionException e) {
          errors.add(e.getCause().toString());
        }
      }
    } finally {
      callers.shutdownNow();
    }
  }
}
