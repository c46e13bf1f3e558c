package dev.sandboxd.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RollbackTest {

  @Test
  void undoesInReverseOrderWhenNotCommitted() {
    List<String> done = new ArrayList<>();
    try (Rollback rollback = new Rollback()) {
      rollback.push("a", () -> done.add("undo a"));
      rollback.push("b", () -> done.add("undo b"));
    }
    assertEquals(List.of("undo b", "undo a"), done);
  }

  @Test
  void keepsEverythingWhenCommitted() {
    List<String> done = new ArrayList<>();
    try (Rollback rollback = new Rollback()) {
      rollback.push("a", () -> done.add("undo a"));
      rollback.commit();
    }
    assertEquals(List.of(), done);
  }

  @Test
  void undoFailuresAreAttachedToTheOriginalErrorAndTheRestStillRuns() {
    List<String> done = new ArrayList<>();
    IllegalStateException original = new IllegalStateException("step 3 failed");
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> {
      try (Rollback rollback = new Rollback()) {
        rollback.push("a", () -> done.add("undo a"));
        rollback.push("b", () -> {
          throw new java.io.IOException("disk gone");
        });
        throw rollback.failed(original);
      }
    });
    assertEquals(original, thrown);
    assertEquals(List.of("undo a"), done);
    assertEquals(1, thrown.getSuppressed().length);
    assertEquals("rollback: b: disk gone", thrown.getSuppressed()[0].getMessage());
  }
}
