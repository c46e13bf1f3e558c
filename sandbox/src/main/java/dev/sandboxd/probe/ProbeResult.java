package dev.sandboxd.probe;

/** The outcome of one probe run. */
public sealed interface ProbeResult permits ProbeResult.Success, ProbeResult.Failure {

  static ProbeResult success() {
    return Success.INSTANCE;
  }

  static ProbeResult failure(String message) {
    return new Failure(message);
  }

  boolean succeeded();

  record Success() implements ProbeResult {
    private static final Success INSTANCE = new Success();

    @Override
    public boolean succeeded() {
      return true;
    }
  }

  /** message says why, in the words an operator sees in events ("HTTP probe failed with statuscode: 500"). */
  record Failure(String message) implements ProbeResult {
    @Override
    public boolean succeeded() {
      return false;
    }
  }
}
