package dev.sandboxd.podfiles;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** kubelet's parseResolvConf, one row per rule. */
class DnsSettingsTest {

  static Stream<Arguments> parse() {
    return Stream.of(
        Arguments.of("empty", "", DnsSettings.EMPTY),
        Arguments.of("nameservers accumulate", "nameserver 1.1.1.1\nnameserver 8.8.8.8\n",
            new DnsSettings(List.of("1.1.1.1", "8.8.8.8"), List.of(), List.of())),
        Arguments.of("the last search wins, dots trimmed, '.' dropped", "search a.example b.\nsearch c.example. .\n",
            new DnsSettings(List.of(), List.of("c.example"), List.of())),
        Arguments.of("options merge by name, later wins", "options ndots:2 rotate\noptions ndots:4 attempts:3\n",
            new DnsSettings(List.of(), List.of(), List.of("ndots:4", "rotate", "attempts:3"))),
        Arguments.of("comments, blanks, tabs and other keywords", "# c\n\n  nameserver\t10.0.0.1  \ndomain x\nsortlist 1.2.3.4\n",
            new DnsSettings(List.of("10.0.0.1"), List.of(), List.of())),
        Arguments.of("a nameserver line without address is skipped", "nameserver\nnameserver 10.0.0.2\n",
            new DnsSettings(List.of("10.0.0.2"), List.of(), List.of())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void parse(String name, String text, DnsSettings expected) {
    assertEquals(expected, DnsSettings.parse(text));
  }

  @Test
  void rendersAsContainerdWritesASandboxsResolvConf() {
    assertEquals("search a.example b.example\nnameserver 10.0.0.1\nnameserver 10.0.0.2\noptions ndots:5 rotate\n",
        new DnsSettings(List.of("10.0.0.1", "10.0.0.2"), List.of("a.example", "b.example"), List.of("ndots:5", "rotate"))
            .render());
    assertEquals("nameserver 10.0.0.1\n", new DnsSettings(List.of("10.0.0.1"), List.of(), List.of()).render());
    assertEquals("", DnsSettings.EMPTY.render());
  }
}
