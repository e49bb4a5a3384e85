package dev.backprop.io;

/** The element types of the safetensors format, by their header names, with their sizes in bytes. */
public enum Dtype {
  BOOL(1),
  U8(1),
  I8(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  I64(8),
  U64(8),
  F64(8);

  private final int bytes;

  Dtype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Floating-point types, which {@link SafetensorsFile#doubles} reads. */
  public boolean isFloatingPoint() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /** The dtype with this header name ("F32"), or null if the name is not one of ours. */
  static Dtype parse(String name) {
    for (Dtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
