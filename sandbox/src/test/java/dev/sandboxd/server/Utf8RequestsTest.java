package dev.sandboxd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class Utf8RequestsTest {

  /** RunPodRequest bytes as a client that does not check UTF-8 (grpcurl, another language) sends them. */
  static byte[] runPod(byte[] manifest) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeBytes(RunPodRequest.MANIFEST_FIELD_NUMBER, ByteString.copyFrom(manifest));
    out.writeBool(RunPodRequest.LENIENT_FIELD_NUMBER, true);
    out.flush();
    return bytes.toByteArray();
  }

  @Test
  void aStringFieldThatIsNotUtf8IsAnInputErrorNamingTheField() throws Exception {
    byte[] request = runPod(new byte[] {'k', 'i', 'n', 'd', ':', ' ', (byte) 0xff});
    SandboxdException.InvalidArgument e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> Utf8Requests.check(RunPodRequest.getDescriptor(), request));
    assertEquals("manifest: is not UTF-8 text (invalid byte sequence at byte 6)", e.getMessage());
  }

  @Test
  void aValidRequestPassesUnchanged() throws Exception {
    byte[] request = runPod("kind: Pod # ä".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Utf8Requests.check(RunPodRequest.getDescriptor(), request);
    assertEquals("kind: Pod # ä", RunPodRequest.parseFrom(request).getManifest());
  }
}
