import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** How to run a class in a new JVM like this one: the same java, JVM options and class path. */
public final class JavaProcess {
    private JavaProcess() {}

    /** The command line that runs {@code mainClass} with {@code args} in a new JVM like this one. */
    public static List<String> command(Class<?> mainClass, String... args) {
        return command(List.of(), mainClass, args);
    }

    /** The same, with {@code options} after this JVM's own: where both set an option, the later one wins. */
    public static List<String> command(List<String> options, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
