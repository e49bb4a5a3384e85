package dev.backprop.reference;

import dev.backprop.layers.AvgPool2d;
import dev.backprop.layers.BatchNorm2d;
import dev.backprop.layers.Conv2d;
import dev.backprop.layers.DepthwiseConv2d;
import dev.backprop.layers.Dropout;
import dev.backprop.layers.Dropout2d;
import dev.backprop.layers.Flatten;
import dev.backprop.layers.GlobalAvgPool2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Linear;
import dev.backprop.layers.LogSoftmax;
import dev.backprop.layers.MaxPool2d;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.ReLU;
import dev.backprop.layers.Sequential;
import dev.backprop.layers.Sigmoid;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The reference twin of an engine layer, configured like it and holding a double copy of its current state. */
public final class Reference {
  private Reference() {}

  /**
   * A reference layer that computes what {@code engine} should compute in the given mode. For dropout in
   * training it uses the engine's mask of the last forward, so call it after that forward.
   */
  public static RefLayer of(Layer engine, boolean training) {
    RefLayer ref =
        switch (engine) {
          case Conv2d c ->
              new RefConv2d(
                  c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding(), c.bias() != null);
          case DepthwiseConv2d d ->
              new RefDepthwiseConv2d(d.channels(), d.kernel(), d.stride(), d.padding(), d.bias() != null);
          case BatchNorm2d b ->
              training
                  ? RefBatchNorm2d.training(b.channels())
                  : RefBatchNorm2d.eval(doubles(b.runningMean()), doubles(b.runningVar()));
          case Linear l -> new RefLinear(l.inFeatures(), l.outFeatures(), l.bias() != null);
          case ReLU r -> new RefReLU();
          case Sigmoid s -> new RefSigmoid();
          case Flatten f -> new RefFlatten();
          case LogSoftmax l -> new RefLogSoftmax();
          case MaxPool2d m -> RefPool2d.max(m.kernel(), m.stride());
          case AvgPool2d a -> RefPool2d.avg(a.kernel(), a.stride());
          case GlobalAvgPool2d g -> RefPool2d.globalAvg();
          case Dropout d -> dropout(d.p(), d.lastMask(), training);
          case Dropout2d d -> dropout(d.p(), d.lastMask(), training);
          case Sequential s -> {
            List<RefLayer> refs = new ArrayList<>();
            for (Layer layer : s.layers()) {
              refs.add(of(layer, training));
            }
            yield new RefSequential(refs);
          }
          default -> throw new IllegalArgumentException("no reference for " + engine);
        };
    if (!(engine instanceof Sequential)) {
      copyParams(engine.parameters(), ref.params());
    }
    return ref;
  }

  private static RefLayer dropout(double p, Tensor mask, boolean training) {
    if (!training || p == 0) {
      return new RefIdentity();
    }
    return new RefDropout(doubles(mask), p);
  }

  private static void copyParams(List<Parameter> engine, List<DTensor> ref) {
    if (engine.size() != ref.size()) {
      throw new AssertionError("engine has " + engine.size() + " parameters, reference " + ref.size());
    }
    for (int i = 0; i < engine.size(); i++) {
      Tensor value = engine.get(i).value();
      DTensor target = ref.get(i);
      if (!Arrays.equals(value.shape(), target.shape())) {
        throw new AssertionError(
            "parameter " + engine.get(i).name() + ": engine " + value + " vs reference " + target);
      }
      System.arraycopy(doubles(value), 0, target.data(), 0, target.size());
    }
  }

  static double[] doubles(Tensor t) {
    return DTensor.of(t).data();
  }
}
