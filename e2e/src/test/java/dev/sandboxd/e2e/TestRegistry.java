package dev.sandboxd.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's docker-registry (from hack/deps) on 127.0.0.1 with TLS from a CA made here (openssl)
 * and htpasswd auth (bcrypt through the system's crypt(3), which docker-registry requires; cost 4,
 * Go's least, as every wrong password costs the registry a whole bcrypt on a busy machine).
 * Images are pushed with the distribution API itself; its access log tells which pulls came.
 */
final class TestRegistry implements AutoCloseable {
  static final String USER = "e2e";
  static final String PASSWORD = "s3cret-e2e";

  final Path dir;
  final int port;
  private Process process;
  private final HttpClient http;

  private TestRegistry(Path dir, int port) throws Exception {
    this.dir = dir;
    this.port = port;
    this.http = HttpClient.newBuilder().sslContext(trusting(dir.resolve("ca.crt"))).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static TestRegistry start(String name) throws Exception {
    Path dir = Path.of("/run", "sandboxd-e2e-registry-" + name + "-" + ProcessHandle.current().pid());
    Files.createDirectories(dir.resolve("data"));
    sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=sandboxd-e2e-ca"
        + " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1"
        + " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
        + " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext");
    sh(dir, "python3 -W ignore -c \"import crypt; print('" + USER + ":' + crypt.crypt('" + PASSWORD
        + "', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))\" > htpasswd");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("config.yml"), String.join("\n",
        "version: 0.1",
        "log: {level: info, accesslog: {disabled: false}}",
        "storage: {filesystem: {rootdirectory: " + dir.resolve("data") + "}, delete: {enabled: true}}",
        "http: {addr: '127.0.0.1:" + port + "', tls: {certificate: " + dir.resolve("server.crt") + ", key: "
            + dir.resolve("server.key") + "}}",
        "auth: {htpasswd: {realm: sandboxd-e2e, path: " + dir.resolve("htpasswd") + "}}", ""));
    TestRegistry registry = new TestRegistry(dir, port);
    registry.startProcess();
    return registry;
  }

  void startProcess() throws IOException, InterruptedException {
    process = new ProcessBuilder(Node.REPO.resolve(".cache/root/usr/bin/docker-registry").toString(), "serve",
        dir.resolve("config.yml").toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
        .start();
    Instant deadline = Instant.now().plusSeconds(20);
    while (true) {
      try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline) || !process.isAlive()) {
          throw new IllegalStateException("docker-registry did not start: " + log());
        }
        Thread.sleep(50);
      }
    }
  }

  void stopProcess() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  /** A Docker config.json with this login (or another password) for these hosts, mode 0600, at file. */
  Path writeConfig(Path file, String password, String... otherHosts) throws IOException {
    String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    StringBuilder auths = new StringBuilder("\"" + host() + "\":{\"auth\":\"" + auth + "\"}");
    for (String other : otherHosts) {
      auths.append(",\"https://").append(other).append("/v2/\":{\"username\":\"").append(USER)
          .append("\",\"password\":\"").append(password).append("\"}");
    }
    Files.writeString(tmp, "{\"auths\":{" + auths + "}}");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  /** Pushes the image's blobs and its manifest as repository:tag. */
  void push(String repository, String tag, OciTestArchive.Built image) throws Exception {
    for (byte[] blob : List.of(image.blobs().layer(), image.blobs().config())) {
      HttpResponse<String> start = send(HttpRequest.newBuilder(url("/v2/" + repository + "/blobs/uploads/"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      check(start, 202);
      String location = start.headers().firstValue("Location").orElseThrow();
      URI upload = URI.create(location.startsWith("http") ? location : "https://" + host() + location);
      String sep = upload.getQuery() == null ? "?" : "&";
      check(send(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + OciTestArchive.sha256(blob)))
          .header("Content-Type", "application/octet-stream")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(blob))), 201);
    }
    check(send(HttpRequest.newBuilder(url("/v2/" + repository + "/manifests/" + tag))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(image.blobs().manifest()))), 201);
  }

  /** Pulls of repository:tag the registry served: manifest requests by tag answered 200. */
  long pullsOf(String repository, String tag) throws IOException {
    String request = "/v2/" + repository + "/manifests/" + tag + " HTTP";
    return log().lines().filter(l -> l.contains(request) && l.contains("\" 200 ")).count();
  }

  String log() throws IOException {
    Path log = dir.resolve("registry.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private URI url(String path) {
    return URI.create("https://" + host() + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    return http.send(request.header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void check(HttpResponse<String> response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(response.request().method() + " " + response.request().uri() + ": "
          + response.statusCode() + " " + response.body());
    }
  }

  private static SSLContext trusting(Path caCert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static void sh(Path dir, String script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(script + ": " + out);
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null) {
      stopProcess();
    }
    Node.Command.run("rm", "-rf", dir.toString());
  }
}
