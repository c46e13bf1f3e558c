package dev.sandboxd.image;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.Transfers;
import dev.sandboxd.containerd.Transfers.ProgressListener;
import dev.sandboxd.errdefs.SandboxdException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * {@link ImagePuller} over containerd's transfer service, as containerd's CRI pulls in 2.x:
 * containerd resolves, fetches and unpacks for the node's platform and snapshotter and names
 * the image only once all of it is there; sandboxd answers its credential requests and relays
 * its progress. Pulls run on their own threads, never on a pod's worker or an event thread.
 */
public final class TransferImagePuller implements ImagePuller {
  /** What the metrics see of pulls. */
  public interface PullObserver {
    PullObserver NONE = new PullObserver() {
      @Override
      public void pulled(Duration took, long bytes) {}

      @Override
      public void failed(PullFailure.Reason reason) {}
    };

    void pulled(Duration took, long bytes);

    void failed(PullFailure.Reason reason);
  }

  private final Containerd client;
  private final ImageService images;
  private final RegistryCredentials credentials;
  private final Optional<Path> hostDir;
  private final String snapshotter;
  private final Executor threads;
  private final PullObserver observer;
  private final LongSupplier nanoTime;
  private final Map<String, Flight> flights = new ConcurrentHashMap<>();

  /** One pull under way and everyone who waits for it. */
  private record Flight(CompletableFuture<ImageService.ImageSummary> result, List<ProgressListener> listeners) {}

  public TransferImagePuller(Containerd client, ImageService images, RegistryCredentials credentials, Optional<Path> hostDir,
      String snapshotter, Executor threads, PullObserver observer, LongSupplier nanoTime) {
    this.client = client;
    this.images = images;
    this.credentials = credentials;
    this.hostDir = hostDir;
    this.snapshotter = snapshotter;
    this.threads = threads;
    this.observer = observer;
    this.nanoTime = nanoTime;
  }

  @Override
  public CompletableFuture<ImageService.ImageSummary> pull(String reference, List<String> pullSecrets, ProgressListener progress) {
    String name = ImageReferences.normalize(reference);
    // Pulls with other credentials are other pulls: one pod's secret must not serve another's image.
    String key = name + " " + String.join(",", pullSecrets);
    Flight started = new Flight(new CompletableFuture<>(), new CopyOnWriteArrayList<>());
    Flight flight;
    synchronized (flights) {
      flight = flights.computeIfAbsent(key, k -> started);
      flight.listeners().add(progress);
    }
    if (flight == started) {
      threads.execute(() -> run(key, name, pullSecrets, started));
    }
    return flight.result();
  }

  private void run(String key, String name, List<String> pullSecrets, Flight flight) {
    long start = nanoTime.getAsLong();
    Map<String, Long> bytes = new ConcurrentHashMap<>();
    Map<String, Long> sizes = new ConcurrentHashMap<>();
    ProgressListener fanOut = (event, part, done, total) -> {
      if (total > 0) {
        bytes.merge(part, done, Math::max);
        sizes.put(part, total);
      }
      for (ProgressListener l : flight.listeners()) {
        try {
          l.progress(event, part, done, total);
        } catch (RuntimeException gone) {
          // An asker that went away (a cancelled `image pull`) neither stops the others' progress
          // nor cancels containerd's progress stream of the pull they share.
          flight.listeners().remove(l);
        }
      }
    };
    try {
      String host = ImageReferences.host(name);
      client.transfers().pull(new Transfers.Pull(name, hostDir.map(Path::toString), snapshotter, "linux", NodePlatform.ARCHITECTURE),
          h -> credentials.forHost(h.equals(host) ? host : h, pullSecrets), fanOut);
      // Cached resolutions may name the image as pods write it (not normalized): start over.
      images.forgetAll();
      // One record read, not a listing: the parts containerd reported (manifest, config, layers) make its size.
      ImageService.ImageSummary summary = new ImageService.ImageSummary(name, client.images().get(name).target().digest(),
          sizes.values().stream().mapToLong(Long::longValue).sum());
      observer.pulled(Duration.ofNanos(nanoTime.getAsLong() - start), bytes.values().stream().mapToLong(Long::longValue).sum());
      complete(key, flight, summary, null);
    } catch (SandboxdException e) {
      PullFailure failure = new PullFailure(name, e);
      observer.failed(failure.reason());
      complete(key, flight, null, failure);
    } catch (RuntimeException e) {
      complete(key, flight, null, e);
    }
  }

  /** Ends the flight before completing it, so a pull asked for after a failure is a new one. */
  private void complete(String key, Flight flight, ImageService.ImageSummary summary, RuntimeException error) {
    synchronized (flights) {
      flights.remove(key, flight);
    }
    if (error == null) {
      flight.result().complete(summary);
    } else {
      flight.result().completeExceptionally(error);
    }
  }
}
