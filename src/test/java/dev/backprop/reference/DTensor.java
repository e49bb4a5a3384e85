package dev.backprop.reference;

import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/** A double-precision tensor for the reference implementations: a row-major buffer and its shape. */
public record DTensor(double[] data, int[] shape) {

  public static DTensor zeros(int... shape) {
    int size = 1;
    for (int d : shape) {
      size *= d;
    }
    return new DTensor(new double[size], shape.clone());
  }

  /** The exact double values of an engine tensor. */
  public static DTensor of(Tensor t) {
    float[] f = t.data();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return new DTensor(d, t.shape());
  }

  public int size() {
    return data.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public DTensor copy() {
    return new DTensor(data.clone(), shape.clone());
  }

  public DTensor reshape(int... newShape) {
    return new DTensor(data, newShape.clone());
  }

  /** Element (n, c, h, w) of a rank-4 tensor. */
  public double at(int n, int c, int h, int w) {
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }

  public int index(int n, int c, int h, int w) {
    return ((n * shape[1] + c) * shape[2] + h) * shape[3] + w;
  }

  public double maxAbs() {
    double m = 0;
    for (double v : data) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  @Override
  public String toString() {
    return "DTensor" + Arrays.toString(shape);
  }
}
