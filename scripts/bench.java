///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java spy.java
//FILES bench-reference.c
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//MAIN Bench
//DESCRIPTION How fast is a unix socket? Round trips and streaming over pathname, abstract, the JDK's own unix channel, TCP loopback and C.

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "bench", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Examples:", "  ./jbang bench@catalog",
            "  ./jbang bench@catalog --only pathname,tcp --duration 0.5 --json",
            "  ./jbang bench@catalog --only pathname,spy    # the cost of uds spy",
            "  taskset -c 0 ./jbang bench@catalog    # one CPU for both threads: no cross-CPU wake-ups"},
        description = {"Measures how fast a unix socket is, against C and TCP loopback.",
            "Two figures for each transport (a row):",
            "  round trips/s: the client writes --size bytes, the server echoes them back,",
            "    the client reads them all;",
            "  MB/s: the client writes --chunk bytes again and again, the server reads",
            "    and discards them (MB: 10^6 bytes, counted as the server receives them).",
            "Each measurement runs --warmup seconds unmeasured, then --duration seconds.",
            "Layout, the same for every row: client and server are two threads of one",
            "process, on one connection, with blocking reads and writes (Java: channels",
            "and direct ByteBuffers; C: read() and write(), pthreads).",
            "Rows:",
            "  pathname  junixsocket on a socket file in a private temporary folder",
            "  abstract  junixsocket on an abstract name (@uds-bench-...)",
            "  jdk-unix  the JDK's own channels (UnixDomainSocketAddress), a socket file",
            "  tcp       TCP loopback: 127.0.0.1, a free port",
            "  c-unix    scripts/bench-reference.c on a socket file, in a process of its",
            "            own; compiled with cc -O2 ($CC if set) into",
            "            $${XDG_CACHE_HOME:-~/.cache}/uds-kit/, once per version of it",
            "  spy       only with --only: pathname, through scripts/spy.java (uds spy",
            "            SERVER --listen PATH) in a process of its own, its log to /dev/null",
            "Ratios are to the first row shown. Nothing is left behind, also on Ctrl-C."})
class Bench implements Callable<Integer> {
    static final List<String> ROWS = List.of("pathname", "abstract", "jdk-unix", "tcp", "c-unix", "spy");
    static final List<String> DEFAULT_ROWS = ROWS.subList(0, 5); // the spy's row answers another question: what spying costs
    static final String LAYOUT = "client and server are two threads of one process (the C reference too: pthreads)";

    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "BYTES", converter = Bytes.class,
            description = "Size of a round trip's message (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = "--chunk", paramLabel = "BYTES", converter = Bytes.class,
            description = "Size of each streaming write (default: ${DEFAULT-VALUE}).")
    int chunk = 65536;

    @Option(names = "--duration", paramLabel = "SECONDS", converter = Seconds.class, defaultValue = "2",
            description = "Measured time of each measurement, such as 2 or 0.2 (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", converter = SecondsOrNone.class, defaultValue = "1",
            description = "Unmeasured time before each measurement; 0 for none (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--only", paramLabel = "ROW", split = ",", converter = RowName.class,
            description = "The rows to run, in this order: pathname, abstract, jdk-unix, tcp, c-unix, spy (default: all but spy).")
    List<String> only = DEFAULT_ROWS;

    @Option(names = "--no-c", description = "Skip the c-unix row (no C compiler needed).")
    boolean noC;

    @Option(names = "--json", description = "Print one JSON object (machine, options, rows) instead of the table.")
    boolean json;

    private Path folder;               // private temporary folder for the pathname sockets
    private boolean ended;             // cleaned up: nothing more may start (guarded by this)
    private volatile Process running;  // the C reference or the spy while it runs: killed if we are interrupted
    private SocketAddress via;         // the spy row: where the spy listens, for the client to connect to

    @Override
    public Integer call() throws Exception {
        List<String> rows = List.copyOf(new LinkedHashSet<>(only));
        if (noC && rows.equals(List.of("c-unix"))) {
            throw new ParameterException(spec.commandLine(), "--no-c leaves no row to run");
        }
        folder = Files.createTempDirectory("uds-bench-"); // mode 0700: nobody else can reach our sockets
        Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp)); // also on Ctrl-C and SIGTERM
        try {
            return run(rows);
        } finally {
            cleanUp();
        }
    }

    private int run(List<String> rows) throws Exception {
        String name = folder.getFileName().toString(); // uds-bench-NNN: also the abstract name
        Reference reference = null;
        String reason = noC ? "--no-c" : null;
        if (rows.contains("c-unix") && !noC) {
            try {
                reference = compileReference();
            } catch (IOException e) {
                if (rows.size() == 1) {
                    throw e;
                }
                reason = e.getMessage();
            }
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "bench: %d-byte round trips, %d-byte streaming writes; each measured %s s after %s s of warm-up%n",
                    size, chunk, seconds(duration), seconds(warmup));
            System.out.println("machine: " + machine());
            System.out.println("layout: " + LAYOUT);
            System.out.println("sockets: " + folder + "/ (removed at the end), @" + name);
            if (reference != null) {
                System.out.println("C reference: " + reference.binary() + " (" + reference.how() + ")");
            }
            System.out.println();
            System.out.printf("%-10s %14s %7s %9s %7s%n", "transport", "round trips/s", "ratio", "MB/s", "ratio");
        }

        List<String> results = new ArrayList<>(); // the rows as JSON
        double[] first = null;                    // the first row's figures: ratios are to it
        for (String row : rows) {
            double[] figures = null;              // round trips/s, MB/s
            String skipped = null;
            if (!row.equals("c-unix") && !row.equals("spy")) {
                figures = measureJava(row, name);
            } else if (row.equals("c-unix") && reference == null) {
                skipped = reason;
            } else {
                try {
                    figures = row.equals("spy") ? measureJava(row, name) : measureC(reference.binary(), folder.resolve("c-unix.sock"));
                } catch (IOException e) {
                    if (rows.size() == 1) {
                        throw e;
                    }
                    skipped = e.getMessage();
                }
            }
            if (figures == null) {
                results.add("{\"transport\":" + quoted(row) + ",\"skipped\":true,\"reason\":" + quoted(skipped) + "}");
                if (!json) {
                    System.out.printf("%-10s skipped: %s%n", row, skipped);
                }
                continue;
            }
            first = first == null ? figures : first;
            double tripsRatio = ratio(figures[0], first[0]), mbRatio = ratio(figures[1], first[1]);
            results.add(String.format(Locale.ROOT, "{\"transport\":%s,\"skipped\":false,\"round_trips_per_s\":%.1f,"
                    + "\"round_trips_ratio\":%.3f,\"mb_per_s\":%.1f,\"mb_per_s_ratio\":%.3f}", quoted(row), figures[0], tripsRatio, figures[1], mbRatio));
            if (!json) {
                System.out.printf(Locale.ROOT, "%-10s %14.0f %7.2f %9.0f %7.2f%n", row, figures[0], tripsRatio, figures[1], mbRatio);
            }
        }
        if (json) {
            System.out.printf(Locale.ROOT, "{\"machine\":{\"cores\":%d,\"cpu\":%s,\"cpus_allowed\":%s,\"os\":%s,\"java_version\":%s,\"java_vm\":%s},"
                    + "\"options\":{\"size\":%d,\"chunk\":%d,\"duration_s\":%s,\"warmup_s\":%s,\"rows\":[%s],\"no_c\":%b},"
                    + "\"layout\":%s,\"sockets\":{\"folder\":%s,\"abstract\":%s},\"c_reference\":%s,\"rows\":[%s]}%n",
                    cores(), quoted(proc("/proc/cpuinfo", "model name")), quoted(proc("/proc/self/status", "Cpus_allowed_list")),
                    quoted(System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")),
                    quoted(System.getProperty("java.version")), quoted(System.getProperty("java.vm.name")),
                    size, chunk, seconds(duration), seconds(warmup), rows.stream().map(Bench::quoted).collect(Collectors.joining(",")), noC,
                    quoted(LAYOUT), quoted(folder.toString()), quoted("@" + name),
                    reference == null ? "null" : "{\"binary\":" + quoted(reference.binary().toString()) + ",\"compiled_now\":" + !reference.how().equals("cached") + "}",
                    String.join(",", results));
        }
        return 0;
    }

    // ---- The Java rows: the socket calls --------------------------------------------------------

    /** Both measurements of one row: a listening socket, then a connection of its own for each. */
    private double[] measureJava(String row, String name) throws Exception {
        try (ServerSocketChannel server = listen(row, name)) {
            via = row.equals("spy") ? startSpy(folder.resolve("spy.sock"), folder.resolve("spy-listen.sock")) : null;
            return new double[] {roundTrips(server), streaming(server)};
        } finally {
            if (via != null) {
                stopSpy();
                via = null;
            }
            Files.deleteIfExists(folder.resolve(row + ".sock")); // the JDK leaves its socket file behind
        }
    }

    /** socket(), bind() and listen() for one row: the only lines in which the Java rows differ. */
    private ServerSocketChannel listen(String row, String name) throws IOException {
        switch (row) {
            case "pathname", "abstract", "spy": {
                AFUNIXServerSocketChannel server = AFUNIXServerSocketChannel.open(); // junixsocket: socket(AF_UNIX, SOCK_STREAM)
                server.socket().setReuseAddress(false); // never take over another server's path
                server.bind(!row.equals("abstract") ? AFUNIXSocketAddress.of(folder.resolve(row + ".sock")) // a file
                        : AFUNIXSocketAddress.inAbstractNamespace(name)); // "\0uds-bench-NNN": no file
                return server; // bind() also listened, as Java's bind() does
            }
            case "jdk-unix": {
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX); // the JDK alone (16+)
                server.bind(UnixDomainSocketAddress.of(folder.resolve("jdk-unix.sock")));
                return server;
            }
            default: {
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET); // socket(AF_INET, SOCK_STREAM)
                server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)); // port 0: any free port
                return server;
            }
        }
    }

    /** socket() and connect(): the client's end, to wherever the server listens. */
    private SocketChannel connect(ServerSocketChannel server) throws IOException {
        SocketAddress address = via != null ? via : server.getLocalAddress(); // getsockname(): the path, @name or 127.0.0.1:port
        SocketChannel client = address instanceof AFUNIXSocketAddress ? AFUNIXSocketChannel.open(address) // junixsocket
                : SocketChannel.open(address); // the JDK: a UnixDomainSocketAddress or an InetSocketAddress
        return noDelay(client);
    }

    /** TCP only: send each small message at once (no Nagle), as a unix socket always does. */
    private static SocketChannel noDelay(SocketChannel channel) throws IOException {
        if (channel.getLocalAddress() instanceof InetSocketAddress) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return channel;
    }

    /** Round trips per second: the server thread echoes, this thread (the client) counts. */
    private double roundTrips(ServerSocketChannel server) throws Exception {
        FutureTask<Double> echo = serve(server, peer -> {
            ByteBuffer message = ByteBuffer.allocateDirect(size); // direct: read() and write() use it in place
            while (readFully(peer, message.clear())) {
                message.flip();
                writeFully(peer, message);
            }
            return 0.0; // the client closed: done
        });
        double perSecond;
        try (SocketChannel client = connect(server)) {
            ByteBuffer message = ByteBuffer.allocateDirect(size);
            for (long end = System.nanoTime() + nanos(warmup); System.nanoTime() - end < 0;) {
                roundTrip(client, message);
            }
            long trips = 0, start = System.nanoTime(), now;
            do {
                roundTrip(client, message);
                trips++;
            } while ((now = System.nanoTime()) - start < nanos(duration));
            perSecond = trips * 1e9 / (now - start);
        } // close(): the echo reads the end of the stream and ends
        result(echo); // its failure, if any, is ours
        return perSecond;
    }

    private static void roundTrip(SocketChannel client, ByteBuffer message) throws IOException {
        message.clear();
        writeFully(client, message);
        message.clear();
        if (!readFully(client, message)) {
            throw new EOFException("the echo server closed the connection");
        }
    }

    /** MB/s: this thread (the client) writes, the server thread reads, discards and counts. */
    private double streaming(ServerSocketChannel server) throws Exception {
        FutureTask<Double> sink = serve(server, peer -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunk);
            long total = 0, countedFrom = -1, warm = 0, mark = 0, now = 0;
            for (int n; (n = peer.read(buffer)) >= 0; buffer.clear()) { // read() returns what has arrived, up to chunk
                total += n;
                now = System.nanoTime();
                if (warm == 0) {
                    warm = now + nanos(warmup); // the clock starts at the first bytes
                }
                if (countedFrom < 0 && now - warm >= 0) {
                    countedFrom = total;
                    mark = now;
                }
            }
            return countedFrom < 0 || now == mark ? 0.0 : (total - countedFrom) * 1e3 / (now - mark); // bytes/ns -> MB/s
        });
        try (SocketChannel client = connect(server)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunk);
            for (long end = System.nanoTime() + nanos(warmup + duration); System.nanoTime() - end < 0;) {
                buffer.clear();
                writeFully(client, buffer);
            }
        } // close(): the sink reads to the end of the stream, then stops its clock
        return result(sink);
    }

    private interface Service {
        double serve(SocketChannel peer) throws IOException;
    }

    /** The server's thread: accept() one client and serve it. */
    private FutureTask<Double> serve(ServerSocketChannel server, Service service) {
        FutureTask<Double> task = new FutureTask<>(() -> {
            try (SocketChannel peer = noDelay(server.accept())) {
                return service.serve(peer);
            }
        });
        Thread thread = new Thread(task, "bench-server");
        thread.setDaemon(true); // Ctrl-C ends the JVM even while it waits
        thread.start();
        return task;
    }

    /** What the server's thread returned, or the exception it failed with. */
    private static double result(FutureTask<Double> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A stream has no message boundaries: read() may return part of the message, so loop. False at end of stream. */
    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer); // write() may also take only part
        }
    }

    // ---- The C row: compile once per version of the source, run as a process of its own ----------

    /** The C reference's binary, and how we got it: "cached", or "compiled now: cc -O2 -pthread". */
    private record Reference(Path binary, String how) {
    }

    /** Compiles the C reference, unless the cache holds it already (the same source, to the byte). */
    private static Reference compileReference() throws IOException {
        byte[] source;
        try (InputStream in = Bench.class.getResourceAsStream("/bench-reference.c")) {
            if (in == null) {
                throw new IOException("bench-reference.c is not in this build (//FILES)");
            }
            source = in.readAllBytes();
        }
        String key;
        try {
            key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e.getMessage());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && xdg.startsWith("/") ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("uds-kit");
        Path binary = cache.resolve("bench-reference-" + key); // keyed by the source: an edited source is compiled anew
        if (Files.isExecutable(binary)) {
            return new Reference(binary, "cached");
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
            Process compiler = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(compiler.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = compiler.waitFor();
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
        try (Stream<Path> old = Files.list(cache)) { // the binaries of older sources are never used again
            for (Path stale : (Iterable<Path>) old::iterator) {
                String file = stale.getFileName().toString();
                if (file.matches("bench-reference-[0-9a-f]{16}(\\.c)?") && !file.startsWith("bench-reference-" + key)) {
                    Files.deleteIfExists(stale);
                }
            }
        }
        return new Reference(binary, "compiled now: " + String.join(" ", command.subList(0, command.size() - 3)));
    }

    private static boolean onPath(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    /** Starts the C reference or the spy: with cleanUp(), a Ctrl-C now cannot miss the process. */
    private synchronized Process start(ProcessBuilder builder) throws IOException {
        if (ended) {
            throw new IOException("interrupted");
        }
        running = builder.start();
        return running;
    }

    /** Runs the C reference on ADDRESS and reads its line: round_trips_per_s=N mb_per_s=N. */
    private double[] measureC(Path binary, Path address) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), Integer.toString(size), Integer.toString(chunk),
                seconds(duration), seconds(warmup), address.toString()).redirectErrorStream(true);
        Process process = start(builder);
        try {
            long limit = (long) Math.ceil(2 * (warmup + duration)) + 60;
            if (!process.waitFor(limit, TimeUnit.SECONDS)) {
                throw new IOException("the C reference did not finish within " + limit + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            Matcher figures = Pattern.compile("^round_trips_per_s=([0-9.]+) mb_per_s=([0-9.]+)$", Pattern.MULTILINE).matcher(output);
            if (process.exitValue() != 0 || !figures.find()) {
                throw new IOException("the C reference failed (exit " + process.exitValue() + ")"
                        + (output.isEmpty() ? "" : ": " + output.lines().findFirst().orElse("")));
            }
            return new double[] {Double.parseDouble(figures.group(1)), Double.parseDouble(figures.group(2))};
        } finally {
            process.destroyForcibly();
            running = null;
        }
    }

    /** Ends what this run started: the C reference, if it still runs, and the folder of sockets. */
    private synchronized void cleanUp() {
        Process process = running;
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ended || folder == null) {
            return;
        }
        ended = true; // nothing more may start
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException gone) {
            // removed already
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("bench: could not remove " + folder + ": " + e.getMessage());
        }
    }

    // ---- The spy row: scripts/spy.java between client and server, in a process of its own ----------

    /** Starts the spy on SERVER, listening at LISTEN; ready when the kernel lists its socket as listening (its file comes at bind()). */
    private SocketAddress startSpy(Path server, Path listen) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "Spy", server.toString(), "--listen", listen.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD); // the spy formats each line as for a reader; a terminal's cost is not measured
        Process process = start(builder);
        for (long deadline = System.nanoTime() + nanos(60); System.nanoTime() - deadline < 0; Thread.sleep(10)) {
            if (Files.readString(Path.of("/proc/net/unix")).lines().anyMatch(row -> row.matches(".* 00010000 0001 01 +\\d+ " + Pattern.quote(listen.toString())))) {
                return AFUNIXSocketAddress.of(listen);
            }
            if (!process.isAlive()) {
                String error = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new IOException("the spy failed (exit " + process.exitValue() + ")" + (error.isEmpty() ? "" : ": " + error.lines().findFirst().orElse("")));
            }
        }
        throw new IOException("the spy did not listen within 60 s");
    }

    /** Ends the spy (SIGTERM: it removes its socket file) and waits for it. */
    private void stopSpy() throws InterruptedException {
        Process process = running;
        if (process != null) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly();
            running = null;
        }
    }

    // ---- Plumbing --------------------------------------------------------------------------------

    private static double ratio(double figure, double first) {
        return first > 0 ? figure / first : 0; // a first row at 0 (a --duration too short to count) has no ratios
    }

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    private static String seconds(double seconds) {
        return java.math.BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString(); // 2, 0.2
    }

    private static String machine() {
        return cores() + " cores (" + proc("/proc/cpuinfo", "model name") + "), run on CPUs " + proc("/proc/self/status", "Cpus_allowed_list")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + ", Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    /** The machine's cores, also when this run may use fewer (taskset): availableProcessors() counts those it may use. */
    private static long cores() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(line -> line.startsWith("processor")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** The value of the first "KEY: value" line of a /proc file, or "unknown". */
    private static String proc(String file, String key) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(line -> line.startsWith(key)).map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException | java.io.UncheckedIOException e) {
            return "unknown";
        }
    }

    private static String quoted(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            json.append(c == '"' || c == '\\' ? "\\" + c : c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return json.append('"').toString();
    }

    /** A size in bytes: 1 to 16 MiB. */
    static final class Bytes implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int bytes;
            try {
                bytes = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number of bytes");
            }
            if (bytes < 1 || bytes > 16 << 20) {
                throw new TypeConversionException("must be 1 to 16777216 bytes, not " + bytes);
            }
            return bytes;
        }
    }

    /** Seconds, more than 0: 2, 0.2. */
    static class Seconds implements ITypeConverter<Double> {
        boolean zeroAllowed() {
            return false;
        }

        @Override
        public Double convert(String value) {
            if (!value.matches("-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)")) {
                throw new TypeConversionException("'" + value + "' is not a number of seconds, such as 2 or 0.2");
            }
            double seconds = Double.parseDouble(value);
            if (seconds < 0 || seconds == 0 && !zeroAllowed() || seconds > 3600) {
                throw new TypeConversionException((zeroAllowed() ? "must be 0 to 3600" : "must be more than 0, at most 3600") + " seconds, not " + value);
            }
            return seconds;
        }
    }

    /** Seconds, 0 or more. */
    static final class SecondsOrNone extends Seconds {
        @Override
        boolean zeroAllowed() {
            return true;
        }
    }

    static final class RowName implements ITypeConverter<String> {
        @Override
        public String convert(String row) {
            if (!ROWS.contains(row)) {
                throw new TypeConversionException("'" + row + "' is not a row: " + String.join(", ", ROWS));
            }
            return row;
        }
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new Bench(), args));
    }
}
