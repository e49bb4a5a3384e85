package dev.backprop.cli;

import java.io.PrintWriter;
import dev.backprop.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/** Entry point of the {@code backprop} command line. */
@Command(
    name = "backprop",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Backpropagation worked by hand, then done for real on the CPU.",
    subcommands = {
      SheetCommand.class,
      TrainCommand.class,
      SummaryCommand.class,
      EvalCommand.class,
      PredictCommand.class,
      BenchCommand.class,
      ExportCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit code for mistakes in what the user asked for (bad option, missing file, ...). */
  public static final int USAGE_ERROR = 2;

  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces for errors.")
  boolean debug;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit code; used by tests too. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(Main::reportUsageError);
    cli.setExecutionExceptionHandler(Main::reportFailure);
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      err.printf("backprop: out of memory: what was asked (architecture, batch size, image) needs more than the Java "
          + "heap's %,d MB; ask for less, or give Java more memory (BACKPROP_JAVA_OPTS=-Xmx8g)%n",
          Runtime.getRuntime().maxMemory() >> 20);
      err.flush();
      return USAGE_ERROR;
    }
  }

  /** One line: picocli's message, what the user may have meant, and where the help is. */
  private static int reportUsageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    String suggestions = e instanceof CommandLine.UnmatchedArgumentException unmatched
        && !unmatched.getSuggestions().isEmpty()
        ? " (did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?)" : "";
    err.println("backprop: " + e.getMessage().strip().replaceAll("\\s*\\R\\s*", "; ") + suggestions + "; see '"
        + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
    err.flush();
    return USAGE_ERROR;
  }

  private static int reportFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    boolean debug = false;
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      debug |= p.hasMatchedOption("--debug"); // before the subcommand or after it
    }
    String userMessage = userMessage(e);
    if (userMessage != null) {
      err.println("backprop: " + userMessage);
      if (debug) {
        e.printStackTrace(err);
      }
      err.flush();
      return USAGE_ERROR;
    }
    err.println("backprop: internal error: " + e);
    if (debug) {
      e.printStackTrace(err);
    } else {
      err.println("Run again with --debug for the stack trace.");
    }
    err.flush();
    return 1;
  }

  /**
   * The one line a user mistake gets, or null for a bug. Files that cannot be read or written (a full disk, a
   * read-only folder, a path that vanished) are the user's to fix too.
   */
  static String userMessage(Exception e) {
    if (e instanceof UserError) {
      return e.getMessage();
    }
    Throwable io = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
    if (io instanceof java.nio.file.AccessDeniedException denied) {
      return "permission denied: " + denied.getFile();
    }
    if (io instanceof java.nio.file.NoSuchFileException missing) {
      return "no such file or directory: " + missing.getFile();
    }
    if (io instanceof java.io.IOException ioe) {
      return "I/O error: " + ioe.getMessage();
    }
    return null;
  }

  /** Names the program, its version and the Java it runs on. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "backprop " + Versions.backprop(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
