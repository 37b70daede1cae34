import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a measurement ran on: the machine's cores and CPU, the CPUs this process may use, the OS and the Java. */
public record Machine(long cores, String cpu, String cpusAllowed, String os, String javaVersion, String javaVm) {

    /** This machine, as /proc and the JVM tell it; "unknown" for what they do not. */
    public static Machine thisOne() {
        return new Machine(countCores(), proc("/proc/cpuinfo", "model name"), proc("/proc/self/status", "Cpus_allowed_list"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.version"), System.getProperty("java.vm.name"));
    }

    /** One line: "2 cores (CPU), run on CPUs 0-1, Linux 6.1 amd64, Java 17.0.9 (OpenJDK 64-Bit Server VM)". */
    public String described() {
        return cores + " cores (" + cpu + "), run on CPUs " + cpusAllowed + ", " + os + ", Java " + javaVersion + " (" + javaVm + ")";
    }

    /** The machine's cores, also when this run may use fewer (taskset): availableProcessors() counts those it may use. */
    private static long countCores() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(line -> line.startsWith("processor")).count();
        } catch (IOException | UncheckedIOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** The value of the first "KEY: value" line of a /proc file, or "unknown". */
    private static String proc(String file, String key) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(line -> line.startsWith(key)).map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }
}
