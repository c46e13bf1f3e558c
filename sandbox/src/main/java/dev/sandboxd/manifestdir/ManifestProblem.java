package dev.sandboxd.manifestdir;

/**
 * Something wrong with a file of the manifest directory, or with running its pod.
 *
 * @param file the file's name, or the directory's path when the directory itself cannot be read
 * @param message what is wrong, as the parser or the pod lifecycle said it
 */
public record ManifestProblem(String file, String message) {}
