package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The two kernel providers the kernel tests run on: {@code @MethodSource("dev.backprop.tensor.Providers#both")}. */
final class Providers {
  private Providers() {}

  static Stream<Arguments> both() {
    return Stream.of(Arguments.of(VectorizationProvider.scalar()), Arguments.of(vector()));
  }

  /** The vector kernels; fails rather than quietly testing the scalar ones twice. */
  static VectorizationProvider vector() {
    VectorizationProvider vector = VectorizationProvider.vectorIfUsable();
    assumeThat(ModuleLayer.boot().findModule("jdk.incubator.vector")).as("tests run without the module").isPresent();
    assertThat(vector.isVectorized()).as(vector.name()).isTrue();
    return vector;
  }
}
