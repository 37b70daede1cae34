///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Json.java ../lib/Machine.java ../lib/CReference.java ../lib/JavaProcess.java ../lib/ChildProcesses.java
//SOURCES spy.java
//FILES bench-reference.c
//FILES BenchReferenceFfm.java=../lib/ffm/BenchReferenceFfm.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//MAIN Bench
//DESCRIPTION How fast is a unix socket? Round trips and streaming over pathname, abstract, the JDK's own unix channel, TCP loopback, C and the FFM API.

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.RoundingMode;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            "  round trips/s: the client writes --size bytes, the server echoes them back, the client reads them all;",
            "  MB/s: the client writes --chunk bytes again and again, the server reads and discards them"
                    + " (MB: 10^6 bytes, counted as the server receives them).",
            "Each measurement runs --warmup seconds unmeasured, then --duration seconds.",
            "Layout, the same for every row: client and server are two threads of one process, on one connection,"
                    + " with blocking reads and writes (Java: channels and direct ByteBuffers; C: read() and write(), pthreads).",
            "Rows:",
            "  pathname: junixsocket on a socket file in a private temporary folder;",
            "  abstract: junixsocket on an abstract name (@uds-bench-...);",
            "  jdk-unix: the JDK's own channels (UnixDomainSocketAddress), a socket file;",
            "  tcp: TCP loopback, 127.0.0.1, a free port;",
            "  c-unix: scripts/bench-reference.c on a socket file, in a process of its own;"
                    + " compiled with cc -O2 ($CC if set) into $${XDG_CACHE_HOME:-~/.cache}/uds-kit/, once per version of it;",
            "  ffm-unix: the same in Java, libc's calls through the FFM API (lib/ffm/BenchReferenceFfm.java), on a socket file,"
                    + " in a process of its own on a JDK 22+: this one, or the first in /usr/lib/jvm (skipped, and said so, where there is none);",
            "  spy: only with --only; pathname, through scripts/spy.java (uds spy SERVER --listen PATH)"
                    + " in a process of its own, its log to /dev/null.",
            "Ratios are to the first row shown. Nothing is left behind, also on Ctrl-C.",
            "Java's rows run with the JIT's defaults, C1 and C2: started with C1 alone,"
                    + " as the kit's launcher starts every script, bench runs them in a new JVM."})
class Bench implements Callable<Integer> {
    static final List<String> ROWS = List.of("pathname", "abstract", "jdk-unix", "tcp", "c-unix", "ffm-unix", "spy");
    static final List<String> DEFAULT_ROWS = ROWS.subList(0, 6); // the spy's row answers another question: what spying costs
    static final String LAYOUT = "client and server are two threads of one process (the C reference too: pthreads)";
    /** The JIT's defaults, C1 and C2: after a JVM's own options (C1 alone, from the kit's launcher), they win. */
    static final List<String> JIT_DEFAULTS = List.of("-XX:TieredStopAtLevel=4", "-XX:CompileThresholdScaling=1");

    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "BYTES", converter = Cli.Bytes.class,
            description = "Size of a round trip's message (default: ${DEFAULT-VALUE}).")
    int size = 64;

    @Option(names = "--chunk", paramLabel = "BYTES", converter = Cli.Bytes.class,
            description = "Size of each streaming write (default: ${DEFAULT-VALUE}).")
    int chunk = 65536;

    @Option(names = "--duration", paramLabel = "SECONDS", converter = Cli.Seconds.class, defaultValue = "2",
            description = "Measured time of each measurement, such as 2 or 0.2 (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", converter = Cli.SecondsOrNone.class, defaultValue = "1",
            description = "Unmeasured time before each measurement; 0 for none (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--only", paramLabel = "ROW", split = ",", converter = RowName.class,
            description = "The rows to run, in this order: pathname, abstract, jdk-unix, tcp, c-unix, ffm-unix, spy (default: all but spy).")
    List<String> only = DEFAULT_ROWS;

    @Option(names = "--no-c", description = "Skip the c-unix row (no C compiler needed).")
    boolean noC;

    @Option(names = "--json", description = "Print one JSON object (machine, options, rows) instead of the table.")
    boolean json;

    private volatile Path folder;      // private temporary folder for the pathname sockets, removed at the end
    private ChildProcesses children;   // the C or FFM reference, the spy or bench's own JVM: ended with bench, also on Ctrl-C
    private Process spy;               // the spy row's spy while it runs
    private SocketAddress via;         // the spy row: where the spy listens, for the client to connect to

    @Override
    public Integer call() throws Exception {
        List<String> rows = List.copyOf(new LinkedHashSet<>(only));
        if (noC && rows.equals(List.of("c-unix"))) {
            throw new ParameterException(spec.commandLine(), "--no-c leaves no row to run");
        }
        children = new ChildProcesses(this::removeFolder);
        Machine machine = Machine.thisOne();
        if (machine.jit().equals("C1 alone") && !ManagementFactory.getRuntimeMXBean().getInputArguments().containsAll(JIT_DEFAULTS)) {
            return runWithTheJitsDefaults(rows); // the kit's launcher starts every script so: quick to start, slower to run
        }
        folder = children.make(() -> Files.createTempDirectory("uds-bench-")); // mode 0700: nobody else can reach our sockets
        return run(rows, machine);
    }

    /** Runs this benchmark again in a JVM like this one but with the JIT's defaults, and waits for it: its exit code is ours. */
    private int runWithTheJitsDefaults(List<String> rows) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--size", Integer.toString(size), "--chunk", Integer.toString(chunk),
                "--duration", Cli.seconds(duration), "--warmup", Cli.seconds(warmup), "--only", String.join(",", rows)));
        if (noC) {
            arguments.add("--no-c");
        }
        if (json) {
            arguments.add("--json");
        }
        Process measuring = children.start(new ProcessBuilder(JavaProcess.command(JIT_DEFAULTS, Bench.class, arguments.toArray(String[]::new))).inheritIO());
        int exit = measuring.waitFor();
        children.ended(measuring);
        return exit;
    }

    private int run(List<String> rows, Machine machine) throws Exception {
        String name = folder.getFileName().toString(); // uds-bench-NNN: also the abstract name
        CReference reference = null;
        String reason = noC ? "--no-c" : null;
        if (rows.contains("c-unix") && !noC) {
            try {
                reference = CReference.compile(children); // lib/CReference.java: cc -O2, once per version of the source
            } catch (IOException e) {
                if (rows.size() == 1) {
                    throw e;
                }
                reason = e.getMessage();
            }
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "bench: %d-byte round trips, %d-byte streaming writes; each measured %s s after %s s of warm-up%n",
                    size, chunk, Cli.seconds(duration), Cli.seconds(warmup));
            System.out.println("machine: " + machine.described());
            System.out.println("layout: " + LAYOUT);
            System.out.println("sockets: " + folder + "/ (removed at the end), @" + name);
            if (reference != null) {
                System.out.println("C reference: " + reference.binary() + " (" + reference.how() + ")");
            }
            if (rows.contains("ffm-unix") && ffmJava().isPresent()) {
                System.out.println("FFM reference: BenchReferenceFfm.java run by " + ffmJava().get() + " (the source launcher)");
            }
            System.out.println();
            System.out.printf("%-10s %14s %7s %9s %7s%n", "transport", "round trips/s", "ratio", "MB/s", "ratio");
        }

        List<Row> results = new ArrayList<>();
        Row first = null; // the first row measured: ratios are to it
        for (String transport : rows) {
            Row row;
            if (transport.equals("c-unix") && reference == null) {
                row = Row.skipped(transport, reason);
            } else {
                try {
                    row = switch (transport) {
                        case "c-unix" -> measureProcess(transport, "the C reference", List.of(reference.binary().toString()), folder.resolve("c-unix.sock"));
                        case "ffm-unix" -> measureFfm(folder.resolve("ffm-unix.sock"));
                        default -> measureJava(transport, name);
                    };
                } catch (IOException e) {
                    if (rows.size() == 1 || !List.of("c-unix", "ffm-unix", "spy").contains(transport)) {
                        throw e;
                    }
                    row = Row.skipped(transport, e.getMessage()); // a process of its own failed: the other rows still run
                }
            }
            results.add(row);
            first = first == null && row.skipped() == null ? row : first;
            if (!json) {
                print(row, first);
            }
        }
        if (json) {
            System.out.println(Json.write(report(machine, rows, name, reference, results, first)));
        }
        return 0;
    }

    /** A line of the table: the row's figures and their ratios to the first row's, or why it was skipped. */
    private static void print(Row row, Row first) {
        if (row.skipped() != null) {
            System.out.printf("%-10s skipped: %s%n", row.transport(), row.skipped());
        } else {
            System.out.printf(Locale.ROOT, "%-10s %14.0f %7.2f %9.0f %7.2f%n", row.transport(),
                    row.roundTripsPerSecond(), row.roundTripsRatio(first), row.megabytesPerSecond(), row.megabytesRatio(first));
        }
    }

    /** --json: the machine, the options, and the rows, in one object. */
    private Map<String, Object> report(Machine machine, List<String> rows, String name, CReference reference, List<Row> results, Row first) {
        return Json.object(
                "machine", Json.object("cores", machine.cores(), "cpu", machine.cpu(), "cpus_allowed", machine.cpusAllowed(),
                        "os", machine.os(), "java_version", machine.javaVersion(), "java_vm", machine.javaVm(), "jit", machine.jit()),
                "options", Json.object("size", size, "chunk", chunk, "duration_s", new BigDecimal(Cli.seconds(duration)),
                        "warmup_s", new BigDecimal(Cli.seconds(warmup)), "rows", rows, "no_c", noC),
                "layout", LAYOUT,
                "sockets", Json.object("folder", folder.toString(), "abstract", "@" + name),
                "c_reference", reference == null ? null : Json.object("binary", reference.binary().toString(), "compiled_now", reference.compiledNow()),
                "rows", results.stream().map(row -> row.json(first)).toList());
    }

    // ---- The Java rows: the socket calls --------------------------------------------------------

    /** Both measurements of one row: a listening socket, then a connection of its own for each. */
    private Row measureJava(String row, String name) throws Exception {
        try (ServerSocketChannel server = listen(row, name)) {
            via = row.equals("spy") ? startSpy(folder.resolve("spy.sock"), folder.resolve("spy-listen.sock")) : null;
            return new Row(row, roundTrips(server), streaming(server), null);
        } finally {
            stopSpy();
            via = null;
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

    // ---- The C row: lib/CReference.java compiles it; it runs as a process of its own --------------

    /** Runs a reference (COMMAND, then SIZE CHUNK DURATION WARMUP ADDRESS) on ADDRESS and reads its line: round_trips_per_s=N mb_per_s=N. */
    private Row measureProcess(String row, String what, List<String> command, Path address) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(command);
        arguments.addAll(List.of(Integer.toString(size), Integer.toString(chunk), Cli.seconds(duration), Cli.seconds(warmup), address.toString()));
        Process process = children.start(new ProcessBuilder(arguments).redirectErrorStream(true));
        try {
            long limit = (long) Math.ceil(2 * (warmup + duration)) + 60;
            if (!process.waitFor(limit, TimeUnit.SECONDS)) {
                throw new IOException(what + " did not finish within " + limit + " s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            Matcher figures = Pattern.compile("^round_trips_per_s=([0-9.]+) mb_per_s=([0-9.]+)$", Pattern.MULTILINE).matcher(output);
            if (process.exitValue() != 0 || !figures.find()) {
                throw new IOException(what + " failed (exit " + process.exitValue() + ")"
                        + (output.isEmpty() ? "" : ": " + output.lines().findFirst().orElse("")));
            }
            return new Row(row, Double.parseDouble(figures.group(1)), Double.parseDouble(figures.group(2)), null);
        } finally {
            process.destroyForcibly();
            children.ended(process);
        }
    }

    // ---- The FFM row: lib/ffm/BenchReferenceFfm.java, the C reference's twin in Java, on a JDK 22+ ---

    /** Runs BenchReferenceFfm.java (a file of this build: bench itself runs on JDK 17 too) with the source launcher of a JDK 22+. */
    private Row measureFfm(Path address) throws IOException, InterruptedException {
        Path java = ffmJava().orElseThrow(() -> new IOException("no JDK 22 or newer (the FFM API is final in 22): bench runs on Java "
                + Runtime.version().feature() + ", and /usr/lib/jvm has none"));
        Path source = folder.resolve("BenchReferenceFfm.java"); // in the run's private folder, removed at the end
        try (InputStream in = Bench.class.getResourceAsStream("/BenchReferenceFfm.java")) {
            if (in == null) {
                throw new IOException("BenchReferenceFfm.java is not in this build (//FILES)");
            }
            Files.copy(in, source);
        }
        return measureProcess("ffm-unix", "the FFM reference", List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", source.toString()), address);
    }

    /** A JDK 22+'s java: this JVM's if it is one, else that of the first JDK 22+ in /usr/lib/jvm, as its release file says. */
    static Optional<Path> ffmJava() throws IOException {
        if (Runtime.version().feature() >= 22) {
            return ProcessHandle.current().info().command().map(Path::of);
        }
        if (!Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path home : (Iterable<Path>) homes.sorted()::iterator) {
                Path release = home.resolve("release"), java = home.resolve("bin/java");
                Matcher version = Pattern.compile("^JAVA_VERSION=\"([0-9]+)", Pattern.MULTILINE)
                        .matcher(Files.isRegularFile(release) ? Files.readString(release) : "");
                if (version.find() && Integer.parseInt(version.group(1)) >= 22 && Files.isExecutable(java)) {
                    return Optional.of(java);
                }
            }
        }
        return Optional.empty();
    }

    /** At bench's end, also on Ctrl-C, once its processes have ended: the folder of sockets and what is in it. */
    private void removeFolder() {
        Path made = folder;
        if (made == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(made)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException gone) {
            // removed already
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("bench: could not remove " + made + ": " + e.getMessage());
        }
    }

    // ---- The spy row: scripts/spy.java between client and server, in a process of its own ----------

    /** Starts the spy on SERVER, listening at LISTEN; ready when the kernel lists its socket as listening (its file comes at bind()). */
    private SocketAddress startSpy(Path server, Path listen) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(JavaProcess.command(Spy.class, server.toString(), "--listen", listen.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD); // the spy formats each line as for a reader; a terminal's cost is not measured
        Process process = children.start(builder);
        spy = process;
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

    /** Ends the spy, if it runs (SIGTERM: it removes its socket file), and waits for it. */
    private void stopSpy() {
        if (spy != null) {
            children.stop(spy);
            spy = null;
        }
    }

    // ---- Plumbing --------------------------------------------------------------------------------

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    /** One row's figures (round trips/s, MB/s); SKIPPED says why it has none (then they are 0), else null. */
    record Row(String transport, double roundTripsPerSecond, double megabytesPerSecond, String skipped) {
        static Row skipped(String transport, String reason) {
            return new Row(transport, 0, 0, reason);
        }

        double roundTripsRatio(Row first) {
            return ratio(roundTripsPerSecond, first.roundTripsPerSecond);
        }

        double megabytesRatio(Row first) {
            return ratio(megabytesPerSecond, first.megabytesPerSecond);
        }

        private static double ratio(double figure, double first) {
            return first > 0 ? figure / first : 0; // a first row at 0 (a --duration too short to count) has no ratios
        }

        /** The row in --json: figures to 0.1, ratios to 0.001. */
        Map<String, Object> json(Row first) {
            if (skipped != null) {
                return Json.object("transport", transport, "skipped", true, "reason", skipped);
            }
            return Json.object("transport", transport, "skipped", false,
                    "round_trips_per_s", rounded(roundTripsPerSecond, 1), "round_trips_ratio", rounded(roundTripsRatio(first), 3),
                    "mb_per_s", rounded(megabytesPerSecond, 1), "mb_per_s_ratio", rounded(megabytesRatio(first), 3));
        }

        private static BigDecimal rounded(double figure, int decimals) {
            return BigDecimal.valueOf(figure).setScale(decimals, RoundingMode.HALF_UP); // as printf's %.1f would
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
