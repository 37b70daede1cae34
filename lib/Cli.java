import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.newsclub.net.unix.BrokenPipeSocketException;
import org.newsclub.net.unix.ConnectionResetSocketException;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Runs a picocli command the way the lessons do, for the kit's tools: bad input is one line on
 * stderr and exit 2, a failure at run time one line and exit 1, never a stack trace; the message is
 * escaped (docs/escapes.md), since it may quote names and paths that others chose.
 */
public final class Cli {
    public static final String VERSION = "uds-kit 0.1.0";

    private Cli() {}

    public static int execute(Object command, String... args) {
        return execute(new CommandLine(command), args);
    }

    /** The same, for a command line already built (uds's, with the subcommand it runs). */
    public static int execute(CommandLine commandLine, String... args) {
        commandLine.setExpandAtFiles(false); // @name is an abstract address, never a file of arguments to read
        String name = commandLine.getCommandName();
        commandLine.setParameterExceptionHandler((problem, arguments) -> {
            String help = problem.getCommandLine().getCommandSpec().qualifiedName() + " --help"; // "uds server --help"
            System.err.println(name + ": " + shown(problem.getMessage()) + " (see '" + help + "')");
            return CommandLine.ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((problem, cl, parsed) -> {
            System.err.println(name + ": " + shown(describe(problem)));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine.execute(args);
    }

    /** A count such as --count: a whole number, 0 or more. */
    public static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 0, Integer.MAX_VALUE, "");
        }
    }

    /** A number such as --max-clients: a whole number, 1 or more. */
    public static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 1, Integer.MAX_VALUE, "");
        }
    }

    /** A size such as bench's --size: a whole number of bytes, 1 to 16 MiB. */
    public static final class Bytes implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return wholeNumber(value, 1, 16 << 20, "bytes");
        }
    }

    /** A time such as bench's --duration: seconds, more than 0 and at most an hour, such as 2 or 0.2. */
    public static final class Seconds implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return seconds(value, false);
        }
    }

    /** A time such as bench's --warmup: seconds, 0 to an hour. */
    public static final class SecondsOrNone implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return seconds(value, true);
        }
    }

    /** A whole number from LEAST to MOST; UNIT (such as "bytes", or none) names what it counts. */
    private static int wholeNumber(String value, int least, int most, String unit) {
        if (!value.matches("[+-]?[0-9]+")) {
            throw new TypeConversionException("'" + value + "' is not a whole number" + (unit.isEmpty() ? "" : " of " + unit));
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException tooManyDigits) {
            number = value.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (most < Integer.MAX_VALUE && (number < least || number > most)) {
            throw new TypeConversionException("must be " + least + " to " + most + (unit.isEmpty() ? "" : " " + unit) + ", not " + value);
        }
        if (number < least) {
            throw new TypeConversionException("must be " + least + " or more, not " + value);
        }
        if (number > Integer.MAX_VALUE) {
            throw new TypeConversionException(value + " is too large (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) number;
    }

    /** SECONDS as an option takes them and a person writes them: 2, 0.2. */
    public static String seconds(double seconds) {
        return BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
    }

    private static double seconds(String value, boolean zeroAllowed) {
        if (!value.matches("-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)")) {
            throw new TypeConversionException("'" + value + "' is not a number of seconds, such as 2 or 0.2");
        }
        double seconds = Double.parseDouble(value);
        if (seconds < 0 || seconds == 0 && !zeroAllowed || seconds > 3600) {
            throw new TypeConversionException((zeroAllowed ? "must be 0 to 3600" : "must be more than 0, at most 3600") + " seconds, not " + value);
        }
        return seconds;
    }

    private static String shown(String message) {
        return LessonCopies.escaped(message.strip().getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(Throwable problem) {
        Throwable shown = problem instanceof UncheckedIOException ? problem.getCause() : problem;
        String message = shown.getMessage();
        if (message == null || message.isBlank()) {
            return shown.getClass().getSimpleName();
        }
        if (shown instanceof BrokenPipeSocketException || shown instanceof ConnectionResetSocketException) { // EPIPE, ECONNRESET
            return "the other end closed the connection before it read everything (" + message + ")";
        }
        return message;
    }
}
