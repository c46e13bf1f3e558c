package dev.sandboxd.containerd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChainIdsTest {
  private static final String D1 = "sha256:49c518ccf4f94cb8a0a7ec2ad1d2462adfa9e4a8ac270bd392f9f03545eccded";
  private static final String D2 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  private static final String D3 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

  @Test
  void firstChainIdIsTheFirstDiffId() {
    assertEquals(List.of(D1), ChainIds.of(List.of(D1)));
    assertEquals(D1, ChainIds.top(List.of(D1)));
  }

  @Test
  void eachNextIsTheHashOfParentSpaceDiffId() {
    // printf '%s %s' "$D1" "$D2" | sha256sum
    String c2 = "sha256:7f38dddec18732b415b09e7f2a835fd26fb42e8d4216f159dc1816661074b17d";
    // printf '%s %s' "$c2" "$D3" | sha256sum
    String c3 = "sha256:3f5e1eee663fd0bc0056a3616b9cf42b0f85e8cdd61e1a874afab0c189251cea";
    List<String> chain = ChainIds.of(List.of(D1, D2, D3));
    assertEquals(List.of(D1, c2, c3), chain);
  }

  @Test
  void noLayersNoChain() {
    assertEquals(List.of(), ChainIds.of(List.of()));
    assertEquals("", ChainIds.top(List.of()));
  }
}
