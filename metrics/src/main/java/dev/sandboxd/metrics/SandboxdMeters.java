package dev.sandboxd.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * sandboxd's meters in a Prometheus registry. Names follow Prometheus' conventions (unit in the
 * name, _total counters); README.md lists every family. Gauges of pods and usage are values the
 * last {@link PodSnapshot} left, so a scrape reads memory and never calls containerd.
 */
public final class SandboxdMeters implements SandboxdMetrics, AutoCloseable {
  /** Operations take from a few ms (container start) to a minute (a stop with its grace period). */
  static final Duration[] OPERATION_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
  /** containerd answers most calls in about a millisecond; Wait can last a grace period. */
  static final Duration[] CONTAINERD_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
  /** A CNI list runs a few plugin binaries (iptables among them): tens of ms to seconds. */
  static final Duration[] CNI_BUCKETS = seconds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);

  /** A pull takes from a fraction of a second (a small image nearby) to minutes. */
  static final Duration[] PULL_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter oomKills;
  private final Counter reconnects;
  private final AtomicLong images = new AtomicLong();
  private final AtomicLong podIps = new AtomicLong();
  private final Map<String, AtomicLong> podsByPhase = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> criPodsByState = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> containersByState = new ConcurrentHashMap<>();
  /** Per pod ("namespace/name"), the usage readings with a registered series; guarded by this. */
  private final Map<String, Map<String, Reading>> usage = new HashMap<>();

  public SandboxdMeters(String version) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    // Micrometer's ProcessorMetrics names break Prometheus' conventions (process_cpu_time_ns_total,
    // system_cpu_count), which promtool rejects; the one reading worth having is the process's CPU time.
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
          .description("CPU time used by the sandboxd process").register(registry);
    }
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("sandboxd.build.info", () -> 1)
        .description("sandboxd's version and the Java runtime it runs on; always 1")
        .tags("version", version, "java_version", Runtime.version().toString())
        .register(registry);
    oomKills = Counter.builder("sandboxd.container.oom.kills")
        .description("containerd OOM events for sandboxd's containers").register(registry);
    Gauge.builder("sandboxd.images", images, AtomicLong::get)
        .description("images in containerd's store (sandboxd's namespace), counted every 10 s")
        .register(registry);
    reconnects = Counter.builder("sandboxd.containerd.event.stream.reconnects")
        .description("times sandboxd subscribed to containerd's task events again after the stream ended").register(registry);
    Gauge.builder("sandboxd.pod.ips.allocated", podIps, AtomicLong::get)
        .description("pod IPs the CNI pod network handed out and has not freed yet").register(registry);
  }

  /** The scrape in the given format (Prometheus text 0.0.4 or OpenMetrics, by content type). */
  public void scrape(OutputStream out, String contentType) throws IOException {
    registry.scrape(out, contentType);
  }

  @Override
  public void operation(Operation operation, Outcome outcome, Duration took) {
    Timer.builder("sandboxd.operation.duration")
        .description("latency of sandbox run/stop/remove and container create/start/stop")
        .tags("operation", operation.label(), "outcome", outcome.label())
        .serviceLevelObjectives(OPERATION_BUCKETS)
        .register(registry)
        .record(took);
  }

  @Override
  public void containerRestarted(String namespace, String pod, String container) {
    Counter.builder("sandboxd.container.restarts")
        .description("restarts of a container under its pod's restart policy")
        .tags("namespace", namespace, "pod", pod, "container", container)
        .register(registry)
        .increment();
  }

  @Override
  public void containerExited(String reason) {
    Counter.builder("sandboxd.container.exits")
        .description("ended container runs by reason (Completed, Error, OOMKilled, StartError, Unhealthy...)")
        .tags("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void oomKilled() {
    oomKills.increment();
  }

  @Override
  public void probeFailed(String probe) {
    Counter.builder("sandboxd.probe.failures")
        .description("failed probe runs by probe type (startup, liveness, readiness)")
        .tags("probe", probe)
        .register(registry)
        .increment();
  }

  @Override
  public void containerdCall(String service, String method, String code, Duration took) {
    Timer.builder("sandboxd.containerd.call.duration")
        .description("latency of unary calls to containerd")
        .tags("service", service, "method", method)
        .serviceLevelObjectives(CONTAINERD_BUCKETS)
        .register(registry)
        .record(took);
    if (!code.equals("OK")) {
      Counter.builder("sandboxd.containerd.call.errors")
          .description("calls to containerd that ended in an error, by gRPC code")
          .tags("service", service, "method", method, "code", code)
          .register(registry)
          .increment();
    }
  }

  @Override
  public void imagePulled(Duration took, long bytes) {
    Timer.builder("sandboxd.image.pull.duration")
        .description("time to pull and unpack an image from its registry")
        .serviceLevelObjectives(PULL_BUCKETS)
        .register(registry)
        .record(took);
    Counter.builder("sandboxd.image.pull.bytes").baseUnit("bytes")
        .description("bytes fetched from registries by pulls")
        .register(registry)
        .increment(bytes);
  }

  @Override
  public void imagePullFailed(String reason) {
    Counter.builder("sandboxd.image.pull.errors")
        .description("failed pulls by reason (not_found, unauthorized, tls, unreachable, no_matching_platform, disk_full, other)")
        .tags("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void imagesPresent(long count) {
    images.set(count);
  }

  @Override
  public void eventStreamReconnected() {
    reconnects.increment();
  }

  @Override
  public void cniOperation(String network, String verb, Outcome outcome, Duration took) {
    Timer.builder("sandboxd.cni.operation.duration")
        .description("latency of CNI ADD, DEL and GC through a network's plugin list")
        .tags("network", network, "verb", verb)
        .serviceLevelObjectives(CNI_BUCKETS)
        .register(registry)
        .record(took);
    if (outcome == Outcome.ERROR) {
      Counter.builder("sandboxd.cni.operation.errors")
          .description("CNI operations that failed, by network and verb")
          .tags("network", network, "verb", verb)
          .register(registry)
          .increment();
    }
  }

  @Override
  public void podIpsAllocated(int count) {
    podIps.set(count);
  }

  @Override
  public synchronized void podSnapshot(PodSnapshot snapshot) {
    setAll(podsByPhase, snapshot.podsByPhase(), "sandboxd.pods", "phase", "pods by phase");
    setAll(containersByState, snapshot.containersByState(), "sandboxd.containers", "state", "containers by state (waiting, running, terminated)");
    Set<String> seen = new HashSet<>();
    for (PodUsage pod : snapshot.usage()) {
      String key = pod.namespace() + "/" + pod.name();
      seen.add(key);
      Map<String, Reading> readings = usage.computeIfAbsent(key, k -> new HashMap<>());
      Tags tags = Tags.of("namespace", pod.namespace(), "pod", pod.name());
      update(readings, "cpu", pod.cpuSeconds().isPresent(), pod.cpuSeconds().orElse(0),
          r -> FunctionCounter.builder("sandboxd.pod.cpu.usage", r, Reading::value).baseUnit("seconds")
              .description("CPU time used by the pod's cgroup").tags(tags).register(registry));
      update(readings, "workingSet", pod.memoryWorkingSetBytes().isPresent(), pod.memoryWorkingSetBytes().orElse(0),
          r -> gauge("sandboxd.pod.memory.working.set", "bytes", "memory in use minus inactive file cache, as kubelet counts it", tags, r));
      update(readings, "peak", pod.memoryPeakBytes().isPresent(), pod.memoryPeakBytes().orElse(0),
          r -> gauge("sandboxd.pod.memory.peak", "bytes", "highest memory use of the pod's cgroup", tags, r));
      update(readings, "pids", pod.pids().isPresent(), pod.pids().orElse(0),
          r -> gauge("sandboxd.pod.pids", null, "processes and threads in the pod's cgroup", tags, r));
    }
    for (String key : List.copyOf(usage.keySet())) {
      if (!seen.contains(key)) {
        usage.remove(key).values().forEach(r -> registry.remove(r.meter));
      }
    }
  }

  @Override
  public synchronized void criPods(Map<String, Long> byState) {
    setAll(criPodsByState, byState, "sandboxd.cri.pods", "state", "CRI pods on sandboxd by sandbox state");
  }

  @Override
  public synchronized void podRemoved(String namespace, String pod) {
    Map<String, Reading> readings = usage.remove(namespace + "/" + pod);
    if (readings != null) {
      readings.values().forEach(r -> registry.remove(r.meter));
    }
    for (Meter meter : List.copyOf(registry.getMeters())) {
      if (namespace.equals(meter.getId().getTag("namespace")) && pod.equals(meter.getId().getTag("pod"))) {
        registry.remove(meter);
      }
    }
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  private void setAll(Map<String, AtomicLong> gauges, Map<String, Long> values, String name, String tag, String description) {
    for (Map.Entry<String, Long> e : values.entrySet()) {
      gauges.computeIfAbsent(e.getKey(), key -> {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::get).description(description).tags(tag, key).register(registry);
        return value;
      }).set(e.getValue());
    }
    gauges.forEach((key, value) -> {
      if (!values.containsKey(key)) {
        value.set(0);
      }
    });
  }

  /** Registers the series on the first reading, sets it on later ones, drops it when the reading goes. */
  private void update(Map<String, Reading> readings, String what, boolean present, double value, java.util.function.Function<Reading, Meter> register) {
    Reading reading = readings.get(what);
    if (!present) {
      if (reading != null) {
        registry.remove(readings.remove(what).meter);
      }
      return;
    }
    if (reading == null) {
      reading = new Reading();
      reading.meter = register.apply(reading);
      readings.put(what, reading);
    }
    reading.value = value;
  }

  private Meter gauge(String name, String unit, String description, Tags tags, Reading reading) {
    ToDoubleFunction<Reading> value = Reading::value;
    return Gauge.builder(name, reading, value).baseUnit(unit).description(description).tags(tags).register(registry);
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
    }
    return out;
  }

  /** The latest value of one usage series, read by its meter at scrape time. */
  private static final class Reading {
    volatile double value;
    Meter meter;

    double value() {
      return value;
    }
  }
}
