package dev.sandboxd.container;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.List;

/**
 * A command to run attached to a client: with its stdin or not, under a pseudo-terminal of
 * width × height characters or not (stdout and stderr are then one stream, as on a terminal).
 */
public record AttachedExecSpec(List<String> command, boolean stdin, boolean tty, int width, int height) {
  public AttachedExecSpec {
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw SandboxdException.invalidArgument("command: must not be empty");
    }
    if (tty && (width <= 0 || height <= 0 || width > 0xffff || height > 0xffff)) {
      throw SandboxdException.invalidArgument("size: a terminal needs a width and height between 1 and 65535, was %dx%d", width, height);
    }
  }
}
