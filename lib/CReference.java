import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * bench's C reference (scripts/bench-reference.c, in the build by //FILES), compiled with cc -O2
 * ($CC if set) into ${XDG_CACHE_HOME:-~/.cache}/uds-kit/bench-reference-KEY, KEY from the source's
 * SHA-256: compiled once per version of the source, and the binaries of older versions removed (with
 * what a killed run left half-made).
 * {@code how} says how we got the binary: "cached", or "compiled now: cc -O2 -pthread".
 */
public record CReference(Path binary, String how) {
    /** A compiled binary or its source, of the version KEY: bench-reference-KEY[.c]. */
    private static final Pattern BINARY = Pattern.compile("bench-reference-([0-9a-f]{16})(?:\\.c)?");
    /** What a run compiling it writes first, then renames: bench-reference-KEY[.c].partial-PID. */
    private static final Pattern PARTIAL = Pattern.compile("bench-reference-[0-9a-f]{16}(?:\\.c)?\\.partial-([0-9]{1,18})");

    public boolean compiledNow() {
        return !how.equals("cached");
    }

    /**
     * Compiles the C reference, unless the cache holds it already (the same source, to the byte). The
     * compiler is one of the tool's CHILDREN: a Ctrl-C or SIGTERM meanwhile stops it too.
     */
    public static CReference compile(ChildProcesses children) throws IOException {
        byte[] source;
        try (InputStream in = CReference.class.getResourceAsStream("/bench-reference.c")) {
            if (in == null) {
                throw new IOException("bench-reference.c is not in this build (//FILES)");
            }
            source = in.readAllBytes();
        }
        String key;
        try {
            key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e.getMessage());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("uds-kit");
        Path binary = cache.resolve("bench-reference-" + key); // keyed by the source: an edited source is compiled anew
        if (Files.isExecutable(binary)) {
            return new CReference(binary, "cached");
        }
        String cc = System.getenv().getOrDefault("CC", "").isBlank() ? "cc" : System.getenv("CC").strip();
        List<String> command = new ArrayList<>(List.of(cc.split("\\s+")));
        if (!onPath(command.get(0))) {
            throw new IOException("no C compiler: " + command.get(0) + " is not on PATH (install cc, or set CC)");
        }
        Files.createDirectories(cache);
        Path c = cache.resolve("bench-reference-" + key + ".c"), partial = cache.resolve("bench-reference-" + key + ".partial-" + ProcessHandle.current().pid());
        Path cPartial = cache.resolve("bench-reference-" + key + ".c.partial-" + ProcessHandle.current().pid());
        try {
            Files.write(cPartial, source);
            Files.move(cPartial, c, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            command.addAll(List.of("-O2", "-pthread", "-o", partial.toString(), c.toString()));
            Process compiler = children.start(new ProcessBuilder(command).redirectErrorStream(true));
            String output = new String(compiler.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = compiler.waitFor();
            children.ended(compiler);
            if (status != 0 || !Files.isExecutable(partial)) {
                String line = output.lines().filter(l -> l.contains("error")).findFirst().orElse(output.lines().findFirst().orElse(""));
                throw new IOException("the C compiler failed: " + String.join(" ", command.subList(0, command.size() - 3)) + " ... exited with " + status
                        + (line.isBlank() ? "" : ": " + line.strip()));
            }
            // Whole or not at all: a run at the same time never sees half a binary.
            Files.move(partial, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | InterruptedException e) {
            Files.deleteIfExists(c); // a failure leaves nothing in the cache
            throw e instanceof IOException io ? io : new IOException("interrupted while compiling the C reference");
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(cPartial);
        }
        // The binaries of older sources are never used again; nor are the partial files of a run killed while
        // it compiled (SIGKILL, or Ctrl-C, which halts the JVM before the finally above): its PID has ended.
        try (Stream<Path> old = Files.list(cache)) {
            for (Path stale : (Iterable<Path>) old::iterator) {
                String file = stale.getFileName().toString();
                Matcher binaryOf = BINARY.matcher(file), partialOf = PARTIAL.matcher(file);
                boolean older = binaryOf.matches() && !binaryOf.group(1).equals(key);
                if (older || (partialOf.matches() && ProcessHandle.of(Long.parseLong(partialOf.group(1))).isEmpty())) {
                    Files.deleteIfExists(stale);
                }
            }
        }
        return new CReference(binary, "compiled now: " + String.join(" ", command.subList(0, command.size() - 3)));
    }

    private static boolean onPath(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }
}
