package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What sandboxd keeps on disk (records with env values, logs, exec spools) is for root alone; emptyDirs are 0777. */
class FileModesE2E {
  /** Files bound into every container, which a non-root process in it must read. */
  private static final Set<String> ETC_FILES = Set.of("hosts", "hostname", "resolv.conf");

  @Test
  void podFilesAreNotReadableByOtherUsersAndANonRootContainerWritesItsEmptyDir() throws Exception {
    try (Node node = Node.start("modes")) {
      node.run("""
          apiVersion: v1
          kind: Pod
          metadata: {name: secrets}
          spec:
            volumes:
            - {name: scratch, emptyDir: {}}
            containers:
            - name: app
              image: %s
              command: [sh, -c, 'echo "token is $TOKEN"; sleep 3600']
              env: [{name: TOKEN, value: s3cr3t}]
            - name: nonroot
              image: %s
              securityContext: {runAsUser: 1000, runAsGroup: 1000}
              volumeMounts: [{name: scratch, mountPath: /scratch}]
              command: [sh, -c, 'echo mine > /scratch/file && echo wrote; sleep 3600']
          """.formatted(Node.BUSYBOX, Node.BUSYBOX));
      node.waitFor("secrets", p -> p.getStatus().getPhase().equals("Running"));
      assertEquals(0, node.exec("secrets", "app", "echo", "hello").getExitCode());
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!node.logs("secrets", "nonroot").contains("wrote") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(node.logs("secrets", "nonroot").contains("wrote"),
          "a runAsUser 1000 container could not write its emptyDir: " + node.logs("secrets", "nonroot"));
      assertTrue(node.logs("secrets", "app").contains("token is s3cr3t"));

      Path root = node.dir.resolve("sandboxd/root");
      Path state = node.dir.resolve("sandboxd/state");
      assertEquals("rwx------", mode(root));
      assertEquals("rwx------", mode(state));
      List<String> exposed = new ArrayList<>();
      int emptyDirs = 0;
      for (Path top : List.of(root, state)) {
        try (Stream<Path> all = Files.walk(top)) {
          for (Path p : all.toList()) {
            Path rel = root.relativize(p);
            if (isEmptyDirVolume(root, p)) {
              emptyDirs++;
              if (!mode(p).equals("rwxrwxrwx")) {
                exposed.add(p + " is " + mode(p) + ", an emptyDir must be rwxrwxrwx");
              }
            } else if (insideEmptyDir(root, p)) {
              continue; // what the container wrote, with its own umask
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && ETC_FILES.contains(p.getFileName().toString())
                && rel.toString().contains("/etc/")) {
              continue;
            } else if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).stream()
                .allMatch(perm -> perm.name().startsWith("OWNER"))) {
              exposed.add(p + " " + mode(p));
            }
          }
        }
      }
      assertEquals(1, emptyDirs, "the emptyDir volume was not found under " + root);
      assertEquals(List.of(), exposed, "readable by group or others");
    }
  }

  /** <root>/pods/<uid>/volumes/<name> */
  private static boolean isEmptyDirVolume(Path root, Path p) {
    Path rel = root.relativize(p);
    return p.startsWith(root) && rel.getNameCount() == 4 && rel.getName(0).toString().equals("pods")
        && rel.getName(2).toString().equals("volumes");
  }

  private static boolean insideEmptyDir(Path root, Path p) {
    Path rel = root.relativize(p);
    return p.startsWith(root) && rel.getNameCount() > 4 && rel.getName(0).toString().equals("pods")
        && rel.getName(2).toString().equals("volumes");
  }

  private static String mode(Path p) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    return PosixFilePermissions.toString(perms);
  }
}
