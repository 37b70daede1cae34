import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.sun.management.HotSpotDiagnosticMXBean;

/** What a measurement ran on: the machine's cores and CPU, the CPUs this process may use, the OS, the Java and its JIT. */
public record Machine(long cores, String cpu, String cpusAllowed, String os, String javaVersion, String javaVm, String jit) {

    /** This machine, as /proc and the JVM tell it; "unknown" for what they do not. */
    public static Machine thisOne() {
        return new Machine(countCores(), proc("/proc/cpuinfo", "model name"), proc("/proc/self/status", "Cpus_allowed_list"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), compilers());
    }

    /** One line: "2 cores (CPU), run on CPUs 0-1, Linux 6.1 amd64, Java 17.0.9 (OpenJDK 64-Bit Server VM, JIT C1 and C2)". */
    public String described() {
        return cores + " cores (" + cpu + "), run on CPUs " + cpusAllowed + ", " + os + ", Java " + javaVersion + " (" + javaVm + ", JIT " + jit + ")";
    }

    /**
     * The JIT compilers this JVM runs, as its options set them: "C1 and C2" (HotSpot's default), "C1 alone"
     * (-XX:TieredStopAtLevel=1, a start-up choice: Java's figures come out lower), "C2 alone", "none" (-Xint).
     */
    private static String compilers() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (!Boolean.parseBoolean(hotspot.getVMOption("UseCompiler").getValue())) return "none";
            if (!Boolean.parseBoolean(hotspot.getVMOption("TieredCompilation").getValue())) return "C2 alone";
            int highest = Integer.parseInt(hotspot.getVMOption("TieredStopAtLevel").getValue());
            return highest >= 4 ? "C1 and C2" : highest >= 1 ? "C1 alone" : "none";
        } catch (RuntimeException notHotSpot) { // no such bean or option on other JVMs
            return "unknown";
        }
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
