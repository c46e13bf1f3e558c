package dev.sandboxd.podfiles;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** containerd's podsandbox files (setupSandboxFiles) over plain values. */
class CriSandboxFilesTest {
  static final String NODE_HOSTS = "127.0.0.1 localhost\n192.0.2.1 node-1\n";
  static final String NODE_RESOLV = "nameserver 192.0.2.53\nsearch corp.example\n";

  @Test
  void withADnsConfigResolvConfIsItsLines() {
    CriSandboxFiles files = CriSandboxFiles.render("web-0",
        new DnsSettings(List.of("10.96.0.10"), List.of("ns.svc.cluster.local", "svc.cluster.local"), List.of("ndots:5")),
        NODE_HOSTS, NODE_RESOLV);
    assertEquals(new CriSandboxFiles("web-0\n", NODE_HOSTS,
        "search ns.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"), files);
  }

  @Test
  void withoutOneResolvConfIsTheNodesCopy() {
    assertEquals(new CriSandboxFiles("node-1\n", NODE_HOSTS, NODE_RESOLV),
        CriSandboxFiles.render("node-1", DnsSettings.EMPTY, NODE_HOSTS, NODE_RESOLV));
  }

  @Test
  void optionsAloneAreEnoughToWriteIt() {
    assertEquals("options rotate\n",
        CriSandboxFiles.render("h", new DnsSettings(List.of(), List.of(), List.of("rotate")), NODE_HOSTS, NODE_RESOLV)
            .resolvConf());
  }
}
