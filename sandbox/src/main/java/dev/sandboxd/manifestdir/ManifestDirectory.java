package dev.sandboxd.manifestdir;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodStatus;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.supervisor.ExecutorScheduler;
import dev.sandboxd.supervisor.Scheduler;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Static pods, as kubelet's: every pod manifest in a directory runs; a changed file recreates its
 * pod; a removed file removes it; a bad file is reported and leaves running pods alone.
 *
 * <p>A reconcile reads the whole directory and compares it with the pods run from it, which carry
 * the annotations {@link StaticPod#SOURCE} and {@link StaticPod#HASH} (so they are recognised after
 * a restart of sandboxd, and pods run by hand are never touched). Reconciles run at start, shortly
 * after the directory changes (bursts of events, as editors save in several steps, make one), every
 * {@link #RESYNC} as a safety net, and when a failed run is due again: a valid manifest whose run
 * failed (its image not imported yet, say) is retried with a back-off from 2 s doubling to 30 s.
 */
public final class ManifestDirectory implements AutoCloseable {
  private static final Logger LOG = System.getLogger("dev.sandboxd.manifestdir");
  static final Duration DEBOUNCE = Duration.ofMillis(200);
  static final Duration RESYNC = Duration.ofSeconds(30);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Path dir;
  private final PodLifecycle pods;
  private final ManifestScanner scanner;
  private final Scheduler scheduler;
  private final ProblemReporter reporter;
  private final Runnable release;

  /** A valid manifest whose run failed: not tried again before notBefore, unless its file changes. */
  private record Failure(String hash, int failures, Instant notBefore, String message) {}

  // Guarded by this (reconciles are serialised).
  private final Map<String, Failure> failures = new HashMap<>();
  private final Map<String, String> reported = new HashMap<>();

  // Guarded by timers.
  private final Object timers = new Object();
  private boolean closed;
  private Scheduler.Cancellable debounce;
  private Scheduler.Cancellable retry;
  private Scheduler.Cancellable resync;
  private DirectoryWatch watch;

  /** Reconciles on the scheduler's threads; {@link #start} begins watching. */
  public ManifestDirectory(
      Path dir, PodLifecycle pods, PodManifests manifests, Scheduler scheduler, ProblemReporter reporter) {
    this(dir, pods, manifests, scheduler, reporter, () -> {});
  }

  private ManifestDirectory(Path dir, PodLifecycle pods, PodManifests manifests, Scheduler scheduler,
      ProblemReporter reporter, Runnable release) {
    this.dir = dir;
    this.pods = pods;
    this.scanner = new ManifestScanner(dir, manifests);
    this.scheduler = scheduler;
    this.reporter = reporter;
    this.release = release;
  }

  /** Starts static pods from dir on a thread of their own, so a slow pod start holds up nothing else. */
  public static ManifestDirectory startOwnThread(
      Path dir, PodLifecycle pods, PodManifests manifests, Clock clock, ProblemReporter reporter) throws IOException {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "sandboxd-manifest-dir");
      t.setDaemon(true);
      return t;
    });
    ManifestDirectory manifestDir = new ManifestDirectory(
        dir, pods, manifests, new ExecutorScheduler(executor, clock), reporter, executor::shutdown);
    try {
      manifestDir.start();
    } catch (IOException | RuntimeException e) {
      manifestDir.close();
      throw e;
    }
    return manifestDir;
  }

  /**
   * Watches the directory and schedules the first reconcile at once and the periodic ones. A
   * directory that does not exist yet is reported and watched from the first resync after it appears.
   */
  public void start() throws IOException {
    synchronized (timers) {
      watch = DirectoryWatch.start(dir, this::changed, "sandboxd-manifest-watch");
      watchDirectory();
      scheduler.schedule(Duration.ZERO, this::reconcile);
      resync = scheduler.schedule(RESYNC, this::resync);
    }
    LOG.log(Level.INFO, "static pods: watching {0}", dir);
  }

  private void watchDirectory() {
    try {
      watch.register();
    } catch (IOException e) {
      // the directory is missing or unreadable; the reconcile reports it
    }
  }

  /** The directory changed: reconcile once things have been quiet for {@link #DEBOUNCE}. */
  void changed() {
    synchronized (timers) {
      if (closed) {
        return;
      }
      if (debounce != null) {
        debounce.cancel();
      }
      debounce = scheduler.schedule(DEBOUNCE, this::reconcile);
    }
  }

  private void resync() {
    synchronized (timers) {
      if (closed) {
        return;
      }
      watchDirectory();
      resync = scheduler.schedule(RESYNC, this::resync);
    }
    reconcile();
  }

  /** Makes the pods run from the directory match its files, once. */
  public synchronized void reconcile() {
    synchronized (timers) {
      if (closed) {
        return;
      }
    }
    // Without a full picture nothing is done: an unreadable directory must not remove every pod.
    DirectoryScan scan;
    try {
      scan = scanner.scan();
    } catch (IOException | RuntimeException e) {
      String why = e instanceof NoSuchFileException ? "it does not exist" : e.toString();
      report(Map.of(dir.toString(), "cannot read the directory (" + why + "); static pods are left as they are"));
      return;
    }
    List<ManagedPod> running;
    try {
      running = pods.list().stream().map(ManagedPod::of).flatMap(Optional::stream).toList();
    } catch (RuntimeException e) {
      report(Map.of(dir.toString(), "cannot list pods: " + e.getMessage()));
      return;
    }
    ReconcilePlan plan = ReconcilePlan.of(scan, running);
    Map<String, String> problems = new TreeMap<>(plan.problems());
    Set<String> notRemoved = new HashSet<>();
    for (ReconcilePlan.Removal removal : plan.removals()) {
      remove(removal).ifPresent(message -> {
        notRemoved.add(removal.pod().file());
        problems.put(removal.pod().file(), message);
      });
    }
    Set<String> wanted = new HashSet<>();
    for (StaticPod pod : plan.runs()) {
      wanted.add(pod.file());
      // While the old pod is there the new one cannot be; the next resync tries again.
      if (!notRemoved.contains(pod.file())) {
        run(pod).ifPresent(message -> problems.put(pod.file(), message));
      }
    }
    failures.keySet().retainAll(wanted);
    report(problems);
    scheduleRetry();
  }

  /** Removes the pod (gone already is fine); returns the problem, if any. */
  private Optional<String> remove(ReconcilePlan.Removal removal) {
    ManagedPod pod = removal.pod();
    try {
      pods.remove(pod.sandboxId(), true);
      LOG.log(Level.INFO, "static pod {0} removed: {1}", pod.fullName(), removal.reason());
    } catch (SandboxdException.NotFound e) {
      // removed by hand meanwhile
    } catch (RuntimeException e) {
      return Optional.of("cannot remove pod " + pod.fullName() + " (" + removal.reason() + "): " + e.getMessage()
          + "; retrying at the next resync");
    }
    return Optional.empty();
  }

  /** Runs the pod unless a failure keeps it back; returns the problem, if any. */
  private Optional<String> run(StaticPod pod) {
    Instant now = scheduler.now();
    Failure last = failures.get(pod.file());
    if (last != null && !last.hash().equals(pod.hash())) {
      last = null;
    }
    if (last != null && now.isBefore(last.notBefore())) {
      return Optional.of(last.message());
    }
    try {
      PodStatus status = pods.run(pod.manifest(), false).status();
      failures.remove(pod.file());
      LOG.log(Level.INFO, "static pod {0} from {1} started (sandbox {2})",
          pod.fullName(), pod.file(), status.sandbox().id());
      return Optional.empty();
    } catch (RuntimeException e) {
      int count = last == null ? 1 : last.failures() + 1;
      // The message leaves out the delay, so a failure that repeats is reported once.
      String message = "cannot run pod " + pod.fullName() + ": " + e.getMessage() + "; retrying";
      Duration delay = backoff(count);
      failures.put(pod.file(), new Failure(pod.hash(), count, now.plus(delay), message));
      LOG.log(Level.DEBUG, "static pod {0}: attempt {1} failed, next in {2} s", pod.fullName(), count, delay.toSeconds());
      return Optional.of(message);
    }
  }

  /** 2 s after the first failure, doubling, at most 30 s. */
  static Duration backoff(int failures) {
    Duration delay = FIRST_BACKOFF;
    for (int i = 1; i < failures && delay.compareTo(MAX_BACKOFF) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(MAX_BACKOFF) < 0 ? delay : MAX_BACKOFF;
  }

  private void scheduleRetry() {
    Optional<Instant> due = failures.values().stream().map(Failure::notBefore).min(Instant::compareTo);
    synchronized (timers) {
      if (retry != null) {
        retry.cancel();
        retry = null;
      }
      if (due.isPresent() && !closed) {
        retry = scheduler.schedule(Duration.between(scheduler.now(), due.get()), this::reconcile);
      }
    }
  }

  /** Reports each file's problem once, until it changes or goes away. */
  private void report(Map<String, String> problems) {
    for (Map.Entry<String, String> problem : problems.entrySet()) {
      if (!problem.getValue().equals(reported.put(problem.getKey(), problem.getValue()))) {
        LOG.log(Level.WARNING, "static pods: {0}: {1}", problem.getKey(), problem.getValue());
        reporter.report(new ManifestProblem(problem.getKey(), problem.getValue()));
      }
    }
    reported.keySet().retainAll(problems.keySet());
  }

  @Override
  public void close() {
    synchronized (timers) {
      closed = true;
      for (Scheduler.Cancellable timer : new Scheduler.Cancellable[] {debounce, retry, resync}) {
        if (timer != null) {
          timer.cancel();
        }
      }
      if (watch != null) {
        try {
          watch.close();
        } catch (IOException e) {
          LOG.log(Level.DEBUG, "closing the watch of {0}: {1}", dir, e.getMessage());
        }
      }
    }
    release.run();
  }
}
