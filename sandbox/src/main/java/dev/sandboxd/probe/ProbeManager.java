package dev.sandboxd.probe;

import dev.sandboxd.pod.Supervision;

import dev.sandboxd.pod.Probe;
import dev.sandboxd.pod.Supervision;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.supervisor.Scheduler.Cancellable;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Runs the startup, liveness and readiness probes of running containers, with kubelet's rules:
 * each probe waits initialDelaySeconds after the container started, then runs every
 * periodSeconds; successThreshold consecutive successes or failureThreshold consecutive failures
 * change its state. Liveness and readiness wait for the startup probe to succeed, which then
 * stops. A startup or liveness failure is reported once and that probe stops: restarting the
 * container is the caller's job, and the new container gets new probes through start().
 *
 * <p>Timers run on the scheduler; probe runs on the executor, at most one per probe at a time.
 * A run that takes longer than timeoutSeconds counts as a failure when the timeout passes, and
 * as another one at every period while it still has not returned.
 */
public final class ProbeManager implements ContainerProbes {
  private static final Logger LOG = System.getLogger("dev.sandboxd.probe");

  private final Scheduler scheduler;
  private final Executor executor;
  private final ProbeRunner runner;
  private final SerialListener listener;
  private final Map<String, ProbedContainer> containers = new HashMap<>();

  public ProbeManager(Scheduler scheduler, Executor executor, ProbeRunner runner, ProbeListener listener) {
    this.scheduler = scheduler;
    this.executor = executor;
    this.runner = runner;
    this.listener = new SerialListener(listener);
  }

  /**
   * Starts probing a container that has just started (replacing probes of the same container id).
   * Until it has a startup probe that succeeded it is not started; it is ready once started, and
   * when it has a readiness probe, only after that probe succeeded.
   */
  @Override
  public void start(String podUid, String containerName, String containerId, int pausePid, Supervision supervision) {
    start(new ProbeTarget(podUid, containerName, containerId, pausePid, supervision));
  }

  public synchronized void start(ProbeTarget target) {
    stop(target.containerId());
    ProbedContainer probes = new ProbedContainer(target, scheduler.now());
    containers.put(target.containerId(), probes);
    probes.begin();
  }

  /** Stops a container's probes: no more runs, no more calls for it (a run under way is ignored). */
  @Override
  public synchronized void stop(String containerId) {
    ProbedContainer probes = containers.remove(containerId);
    if (probes != null) {
      probes.stop();
    }
  }

  @Override
  public synchronized void stopAll(String podUid) {
    List<String> ids = containers.values().stream()
        .filter(c -> c.target.podUid().equals(podUid))
        .map(c -> c.target.containerId())
        .toList();
    ids.forEach(this::stop);
  }

  /** Whether the container's startup probe succeeded (or it has none); false for unknown containers. */
  @Override
  public synchronized boolean started(String containerId) {
    ProbedContainer probes = containers.get(containerId);
    return probes != null && probes.started;
  }

  /** Whether the container is ready to serve; false for unknown containers. */
  @Override
  public synchronized boolean ready(String containerId) {
    ProbedContainer probes = containers.get(containerId);
    return probes != null && probes.ready();
  }

  private enum Kind {
    STARTUP("Startup"), LIVENESS("Liveness"), READINESS("Readiness");

    final String kubernetesName;

    Kind(String kubernetesName) {
      this.kubernetesName = kubernetesName;
    }
  }

  /** The probes of one container. Guarded by the manager's lock, as are its workers. */
  private final class ProbedContainer {
    final ProbeTarget target;
    final Instant startedAt;
    final List<Worker> workers = new ArrayList<>();
    boolean started;
    boolean readinessSucceeded;

    ProbedContainer(ProbeTarget target, Instant startedAt) {
      this.target = target;
      this.startedAt = startedAt;
    }

    void begin() {
      target.supervision().startupProbe().ifPresentOrElse(p -> add(Kind.STARTUP, p), this::startupDone);
    }

    void startupDone() {
      started = true;
      Supervision s = target.supervision();
      s.livenessProbe().ifPresent(p -> add(Kind.LIVENESS, p));
      s.readinessProbe().ifPresent(p -> add(Kind.READINESS, p));
    }

    boolean ready() {
      return started && (readinessSucceeded || target.supervision().readinessProbe().isEmpty());
    }

    void add(Kind kind, Probe probe) {
      Worker worker = new Worker(this, kind, probe);
      workers.add(worker);
      // Probes that start late (after the startup probe) still count their delay from the container's start.
      Instant first = startedAt.plusSeconds(probe.initialDelaySeconds());
      worker.tick = scheduler.schedule(Duration.between(scheduler.now(), first), worker::tick);
    }

    void stop() {
      workers.forEach(Worker::stop);
    }
  }

  /** One probe of one container: its timer, the run under way, and the streak of equal results. */
  private final class Worker {
    final ProbedContainer container;
    final Kind kind;
    final Probe probe;
    final Duration period;
    final Duration timeout;
    Cancellable tick = () -> {};
    Cancellable deadline = () -> {};
    boolean stopped;
    boolean running;
    boolean timedOut;
    long runs;
    Boolean lastSucceeded;
    int streak;

    Worker(ProbedContainer container, Kind kind, Probe probe) {
      this.container = container;
      this.kind = kind;
      this.probe = probe;
      this.period = Duration.ofSeconds(probe.periodSeconds());
      this.timeout = Duration.ofSeconds(probe.timeoutSeconds());
    }

    void tick() {
      boolean dispatch = false;
      synchronized (ProbeManager.this) {
        if (stopped) {
          return;
        }
        tick = scheduler.schedule(period, this::tick);
        if (!running) {
          running = true;
          timedOut = false;
          dispatch = true;
          long run = ++runs;
          deadline = scheduler.schedule(timeout, () -> timeoutPassed(run));
        } else if (timedOut) {
          record(ProbeResult.failure("an earlier run is still going, " + timeout.toSeconds() + "s timeout exceeded"));
        }
      }
      listener.deliver();
      if (dispatch) {
        dispatch();
      }
    }

    private void dispatch() {
      try {
        executor.execute(() -> finished(runOnce()));
      } catch (RejectedExecutionException e) {
        finished(ProbeResult.failure("probe not run: " + e.getMessage()));
      }
    }

    private ProbeResult runOnce() {
      try {
        return runner.run(container.target, probe.action(), timeout);
      } catch (RuntimeException e) {
        // Runners report failures as results; an exception is a bug, but still a failed probe.
        return ProbeResult.failure("probe failed: " + e);
      }
    }

    /** The run under way ended; a new one cannot have started before this, so the result is its. */
    private void finished(ProbeResult result) {
      synchronized (ProbeManager.this) {
        running = false;
        deadline.cancel();
        if (!stopped && !timedOut) {
          record(result);
        }
      }
      listener.deliver();
    }

    private void timeoutPassed(long run) {
      synchronized (ProbeManager.this) {
        if (stopped || run != runs || !running || timedOut) {
          return;
        }
        timedOut = true;
        record(ProbeResult.failure("probe did not finish within " + timeout.toSeconds() + "s"));
      }
      listener.deliver();
    }

    /** Counts the result into the streak; at the threshold, changes the container's state. */
    private void record(ProbeResult result) {
      String id = container.target.containerId();
      boolean succeeded = result.succeeded();
      String message = succeeded ? "" : ((ProbeResult.Failure) result).message();
      if (!succeeded) {
        listener.add(l -> l.probeFailed(id, kind.kubernetesName, message));
      }
      if (lastSucceeded != null && lastSucceeded == succeeded) {
        streak++;
      } else {
        lastSucceeded = succeeded;
        streak = 1;
      }
      if (streak < (succeeded ? probe.successThreshold() : probe.failureThreshold())) {
        return;
      }
      boolean wasReady = container.ready();
      switch (kind) {
        case STARTUP:
          stop();
          if (succeeded) {
            container.startupDone();
          } else {
            listener.add(l -> l.startupFailed(id, message));
          }
          break;
        case LIVENESS:
          if (!succeeded) {
            stop();
            listener.add(l -> l.livenessFailed(id, message));
          }
          break;
        case READINESS:
          container.readinessSucceeded = succeeded;
          break;
      }
      boolean ready = container.ready();
      if (ready != wasReady) {
        listener.add(l -> l.readinessChanged(id, ready));
      }
    }

    void stop() {
      stopped = true;
      tick.cancel();
      deadline.cancel();
    }
  }

  /**
   * Calls the listener one call at a time, in the order the calls were queued (under the
   * manager's lock, so in the order the changes happened), and never while holding that lock,
   * so that the listener may call back into the manager.
   */
  private static final class SerialListener {
    private final ProbeListener listener;
    private final Queue<Consumer<ProbeListener>> queue = new ArrayDeque<>();
    private boolean delivering;

    SerialListener(ProbeListener listener) {
      this.listener = listener;
    }

    synchronized void add(Consumer<ProbeListener> call) {
      queue.add(call);
    }

    /** Delivers what is queued, unless another thread is delivering already (it then delivers ours too). */
    void deliver() {
      synchronized (this) {
        if (delivering) {
          return;
        }
        delivering = true;
      }
      while (true) {
        Consumer<ProbeListener> next;
        synchronized (this) {
          next = queue.poll();
          if (next == null) {
            delivering = false;
            return;
          }
        }
        try {
          next.accept(listener);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, "probe listener failed", e);
        }
      }
    }
  }
}
