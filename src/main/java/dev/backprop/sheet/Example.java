package dev.backprop.sheet;

/** The single training example the network learns: inputs i1, i2 and the targets t1, t2 for a_o1, a_o2. */
public record Example(double i1, double i2, double t1, double t2) {}
