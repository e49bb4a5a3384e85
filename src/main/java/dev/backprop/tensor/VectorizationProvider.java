package dev.backprop.tensor;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Decides once per JVM how the tensor kernels run: on the incubating Vector API ({@code jdk.incubator.vector})
 * when it is usable and fast here, otherwise in plain Java behind the same interface.
 *
 * <p>The Vector API is used when all of these hold: the system property {@value #PROPERTY} is not
 * {@code false}; the module {@code jdk.incubator.vector} is in the boot layer (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}); the C2 compiler is on (interpreted or C1-only code runs the Vector
 * API tens of times slower than scalar code); the CPU has fused multiply-add (HotSpot's {@code UseFMA}); the
 * preferred float vector has at least 128 bits; and the vector kernels ({@code PanamaGemm},
 * {@code PanamaKernels}) load and the product kernel gives the right answer on a tiny product. Otherwise the
 * scalar kernels run and {@link #name()} says why. Nothing is logged.
 */
public final class VectorizationProvider {

  /** {@code -Dbackprop.vector=false} forces the scalar kernels. */
  public static final String PROPERTY = "backprop.vector";

  private final String name;
  private final boolean vectorized;
  private final GemmKernel gemm;
  private final KernelSet kernels;

  private VectorizationProvider(String name, boolean vectorized, GemmKernel gemm, KernelSet kernels) {
    this.name = name;
    this.vectorized = vectorized;
    this.gemm = gemm;
    this.kernels = kernels;
  }

  /** The implementation this JVM uses, chosen on first use. */
  public static VectorizationProvider getInstance() {
    return Holder.INSTANCE;
  }

  /** Which kernels run and, for the scalar ones, why: e.g. "vector: FloatVector 256-bit (8 lanes), FMA". */
  public String name() {
    return name;
  }

  public boolean isVectorized() {
    return vectorized;
  }

  GemmKernel gemm() {
    return gemm;
  }

  KernelSet kernels() {
    return kernels;
  }

  @Override
  public String toString() {
    return name;
  }

  /** The scalar kernels, whatever the JVM offers. */
  static VectorizationProvider scalar() {
    return scalar("forced");
  }

  /**
   * The Vector API kernels if this JVM can run them, otherwise the scalar ones with the reason in {@link #name()}.
   * Ignores {@value #PROPERTY}.
   */
  static VectorizationProvider vectorIfUsable() {
    String unusable = vectorUnusableReason();
    if (unusable != null) {
      return scalar(unusable);
    }
    GemmKernel kernel;
    KernelSet kernels;
    String description;
    try {
      // Loaded by name so that nothing touches jdk.incubator.vector before the checks above.
      Class<?> type = Class.forName("dev.backprop.tensor.PanamaGemm");
      kernel = (GemmKernel) type.getDeclaredConstructor().newInstance();
      description = (String) type.getDeclaredMethod("description").invoke(null);
      kernels = (KernelSet) Class.forName("dev.backprop.tensor.PanamaKernels")
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return scalar("vector kernel unavailable: " + cause);
    }
    if (!agreesOnTinyProduct(kernel)) {
      return scalar("vector kernel gave a wrong answer on a self-test");
    }
    return new VectorizationProvider("vector: " + description + ", FMA", true, kernel, kernels);
  }

  private static VectorizationProvider scalar(String reason) {
    return new VectorizationProvider(
        "scalar (" + reason + ")", false, ScalarGemm.INSTANCE, ScalarKernels.INSTANCE);
  }

  /** The choice for a given value of {@value #PROPERTY} (null when unset). */
  static VectorizationProvider lookup(String property) {
    if (property != null && property.trim().equalsIgnoreCase("false")) {
      return scalar(PROPERTY + "=false");
    }
    return vectorIfUsable();
  }

  /** Null when the Vector API can be tried, else why not. */
  private static String vectorUnusableReason() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "jdk.incubator.vector not present; start java with --add-modules jdk.incubator.vector";
    }
    HotSpotDiagnosticMXBean hotSpot;
    try {
      hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    } catch (RuntimeException | LinkageError e) {
      return "not a HotSpot JVM";
    }
    if (hotSpot == null) {
      return "not a HotSpot JVM";
    }
    if (String.valueOf(System.getProperty("java.vm.info")).contains("interpreted")) {
      return "JIT compiler off (-Xint)";
    }
    if (!"true".equals(vmOption(hotSpot, "UseFMA"))) {
      return "no fused multiply-add on this CPU";
    }
    if ("true".equals(vmOption(hotSpot, "TieredCompilation"))
        && !"4".equals(vmOption(hotSpot, "TieredStopAtLevel"))) {
      return "C2 compiler off (TieredStopAtLevel < 4)";
    }
    return null;
  }

  private static String vmOption(HotSpotDiagnosticMXBean hotSpot, String option) {
    try {
      return hotSpot.getVMOption(option).getValue();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** [1 2; 3 4] * [5 6 7; 8 9 10], all values exact in float. */
  private static boolean agreesOnTinyProduct(GemmKernel kernel) {
    float[] a = {1, 2, 3, 4};
    float[] b = {5, 6, 7, 8, 9, 10};
    float[] c = new float[6];
    kernel.gemm(false, false, 2, 3, 2, a, 0, 2, null, b, 0, 3, null, c, 0, 3, false);
    return Arrays.equals(c, new float[] {21, 24, 27, 47, 54, 61});
  }

  /** Holds the instance so that the lookup runs on first use, once, without locking. */
  private static final class Holder {
    static final VectorizationProvider INSTANCE = lookup(System.getProperty(PROPERTY));
  }
}
