package dev.backprop.sheet;

/** One number for each of the network's ten parameters, read by the parameter's name. */
interface PerParameter {
  double w1();

  double w2();

  double w3();

  double w4();

  double w5();

  double w6();

  double w7();

  double w8();

  double b1();

  double b2();

  default double get(Parameter parameter) {
    return switch (parameter) {
      case W1 -> w1();
      case W2 -> w2();
      case W3 -> w3();
      case W4 -> w4();
      case W5 -> w5();
      case W6 -> w6();
      case W7 -> w7();
      case W8 -> w8();
      case B1 -> b1();
      case B2 -> b2();
    };
  }
}
