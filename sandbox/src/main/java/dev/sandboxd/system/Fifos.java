package dev.sandboxd.system;

import java.io.IOException;
import java.nio.file.Path;

/** Named pipes, for exec output that the shim writes and sandboxd reads. */
public interface Fifos {
  void create(Path path) throws IOException;
}
