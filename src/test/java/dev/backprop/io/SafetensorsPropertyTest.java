package dev.backprop.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.fuzz.Fuzz;
import dev.backprop.fuzz.SafetensorsMutations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mutants of valid safetensors files (the Python writer's file with every dtype, a PyTorch state_dict, and one of
 * ours with metadata) parse, and then every accessor answers, or the file or the accessor refuses in one line.
 */
class SafetensorsPropertyTest {
  static byte[] resource(String name) {
    try (InputStream in = SafetensorsPropertyTest.class.getResourceAsStream("/golden/" + name + ".safetensors")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyMutatedFileParsesOrIsRefusedInOneLine() {
    List<byte[]> valid = List.of(resource("safetensors_python"), resource("layer_batchnorm2d_train"),
        Safetensors.writer().metadata("backprop.arch", "c8 gap fc10")
            .putFloats("0.weight", new float[] {1, -2, 3, 0.5f}, 2, 2)
            .putLongs("2.num_batches_tracked", new long[] {938}, new int[0])
            .putDoubles("lr", new double[] {0.1}, 1).toBytes());

    Fuzz.Report report = Fuzz.forAll("safetensors", 21,
        random -> SafetensorsMutations.mutate(valid.get(random.nextInt(valid.size())), random), input -> {
          SafetensorsFile file = Safetensors.read(input.bytes(), "fuzz.safetensors");
          for (String name : file.names()) {
            long elements = 1;
            for (int d : file.shape(name)) {
              assertThat(d).isNotNegative();
              elements *= d;
            }
            assertThat(file.size(name)).isEqualTo(elements);
            Dtype dtype = file.dtype(name);
            if (dtype.isFloatingPoint()) {
              assertThat(file.doubles(name)).hasSize(file.size(name));
            } else {
              assertThat(file.longs(name)).hasSize(file.size(name));
            }
            if (dtype != Dtype.F64) {
              assertThat(file.tensor(name).size()).isEqualTo(file.size(name));
            }
          }
          assertThat(file.metadata().values()).doesNotContainNull();
        });
    Fuzz.assertVaried(report, 1000, 25);
  }
}
