package dev.sandboxd.fuzz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A small mutation fuzzer for JUnit tests, bounded by time: it takes a valid seed input, applies
 * a few random edits, checks a property, and repeats until its time is up. A failure is cut down
 * to the fewest edits that still fail and reported with the input and the run's seed; an input
 * that takes longer than {@link #HANG} counts as a failure too (errors instead of hangs).
 *
 * <p>Time per property: system property {@value #SECONDS_PROPERTY} (the build passes its
 * setting; e.g. {@code -Dsandboxd.fuzz.seconds=600} for a long local run). Replay a run with
 * {@code -D}{@value #SEED_PROPERTY}{@code =SEED} from its report.
 */
public final class Fuzzer {
  public static final String SECONDS_PROPERTY = "sandboxd.fuzz.seconds";
  public static final String SEED_PROPERTY = "sandboxd.fuzz.seed";
  static final Duration HANG = Duration.ofSeconds(20);
  private static final long DEFAULT_SECONDS = 4;
  private static final int MAX_EDITS = 8;

  /** What is fuzzed: seed inputs and edits to them, both values, so a failing case can be replayed. */
  public interface Mutator<I, E> {
    List<I> seeds();

    E edit(Random random);

    /** The input with the edit applied; must not change {@code input}. */
    I apply(I input, E edit);
  }

  /** A generated case: a seed and the edits made to it. */
  public record Case<I, E>(I seed, List<E> edits) {}

  private Fuzzer() {}

  /** How long each fuzz property runs. */
  public static Duration perProperty() {
    return Duration.ofSeconds(Long.getLong(SECONDS_PROPERTY, DEFAULT_SECONDS));
  }

  /**
   * Checks {@code property} on mutated inputs for {@link #perProperty()}; throws AssertionError
   * with the smallest failing input found. Returns how many inputs were checked.
   */
  public static <I, E> long fuzz(Mutator<I, E> mutator, Consumer<I> property) {
    long runSeed = Long.getLong(SEED_PROPERTY, ThreadLocalRandom.current().nextLong());
    Random random = new Random(runSeed);
    long deadline = System.nanoTime() + perProperty().toNanos();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-worker");
      t.setDaemon(true); // a hung input must not keep the test JVM alive
      return t;
    });
    try {
      long checked = 0;
      do {
        I seed = mutator.seeds().get(random.nextInt(mutator.seeds().size()));
        List<E> edits = new ArrayList<>();
        for (int n = random.nextInt(MAX_EDITS + 1); n > 0; n--) {
          edits.add(mutator.edit(random));
        }
        Case<I, E> c = new Case<>(seed, edits);
        Throwable failure = check(worker, mutator, c, property);
        checked++;
        if (failure != null) {
          // A hung worker cannot check anything more, so a hang is reported as found.
          Case<I, E> smallest = failure instanceof Hang ? c : shrink(worker, mutator, c, property);
          I input = render(mutator, smallest);
          AssertionError error = new AssertionError(
              "fuzzing failed after " + checked + " inputs (replay with -D" + SEED_PROPERTY + "=" + runSeed + "): "
                  + (smallest == c ? failure : check(worker, mutator, smallest, property)) + "\nedits: " + smallest.edits() + "\ninput: " + describe(input));
          error.initCause(failure);
          throw error;
        }
      } while (System.nanoTime() < deadline);
      return checked;
    } finally {
      worker.shutdownNow();
    }
  }

  /** Drops edits one at a time while the case still fails. */
  private static <I, E> Case<I, E> shrink(ExecutorService worker, Mutator<I, E> mutator, Case<I, E> failing,
      Consumer<I> property) {
    Case<I, E> smallest = failing;
    boolean smaller = true;
    while (smaller) {
      smaller = false;
      for (int i = 0; i < smallest.edits().size(); i++) {
        List<E> fewer = new ArrayList<>(smallest.edits());
        fewer.remove(i);
        Case<I, E> candidate = new Case<>(smallest.seed(), fewer);
        if (check(worker, mutator, candidate, property) != null) {
          smallest = candidate;
          smaller = true;
          break;
        }
      }
    }
    return smallest;
  }

  private static <I, E> I render(Mutator<I, E> mutator, Case<I, E> c) {
    I input = c.seed();
    for (E edit : c.edits()) {
      input = mutator.apply(input, edit);
    }
    return input;
  }

  /** The failure of the property on the case, or null when it holds. */
  private static <I, E> Throwable check(ExecutorService worker, Mutator<I, E> mutator, Case<I, E> c,
      Consumer<I> property) {
    Future<?> run = worker.submit(() -> property.accept(render(mutator, c)));
    try {
      run.get(HANG.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      run.cancel(true);
      return new Hang();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static final class Hang extends AssertionError {
    Hang() {
      super("no answer within " + HANG.toSeconds() + " s (a hang)");
    }
  }

  private static String describe(Object input) {
    if (input instanceof byte[] bytes) {
      return bytes.length + " bytes, base64 " + java.util.Base64.getEncoder().encodeToString(bytes);
    }
    return String.valueOf(input);
  }
}
