//JAVAC_OPTIONS -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC
// (javac runs for a moment on every build: it starts faster with C1 alone and the serial collector)

import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Runs a picocli command the kit's way. Bad input: one line on stderr and exit 2. A failure at run
 * time: one line on stderr and exit 1. Never a stack trace: the reader should see what went wrong,
 * not where in the JVM.
 */
public final class Cli {
    public static final String VERSION = "uds-kit 0.1.0";

    private Cli() {}

    public static int execute(Object command, String... args) {
        CommandLine commandLine = new CommandLine(command);
        String name = commandLine.getCommandName();
        commandLine.setParameterExceptionHandler((problem, arguments) -> {
            String help = problem.getCommandLine().getCommandSpec().qualifiedName() + " --help"; // "uds server --help"
            System.err.println(name + ": " + oneLine(problem.getMessage()) + " (see '" + help + "')");
            return CommandLine.ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((problem, cl, parsed) -> {
            System.err.println(name + ": " + oneLine(describe(problem)));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine.execute(args);
    }

    /** A count such as --count: a whole number, 0 or more. */
    public static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int number;
            try {
                number = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (number < 0) {
                throw new TypeConversionException("must be 0 or more, not " + number);
            }
            return number;
        }
    }

    private static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static String describe(Throwable problem) {
        Throwable shown = problem instanceof UncheckedIOException ? problem.getCause() : problem;
        String message = shown.getMessage();
        if (message == null || message.isBlank()) {
            return shown.getClass().getSimpleName();
        }
        if (message.equals("Broken pipe") || message.startsWith("Connection reset")) {
            return "the other end closed the connection before it read everything (" + message + ")";
        }
        return message;
    }
}
