import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The post end to end, as a shell session a reader can repeat: each `$` line is a command to paste
 * into bash in the kit's folder, and what follows it is what that command printed here. The tour
 * runs the same programs: the lessons (their classes, in a JVM of their own each), the inspector,
 * and ss, ls and grep themselves. Each step is checked against what the post says; the first that
 * does not behave ends the tour with exit code 1. A `#` on a `$` line says where Java differs from
 * the post, and why.
 */
@Command(name = "tour", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Runs the post end to end, as a shell session you can repeat.",
            "Each $ line is a command to paste into bash in the kit's folder, followed by what it printed when the tour ran it:"
                    + " the pathname server and client, ss and ls -l /proc/PID/fd, the file gone;"
                    + " then the abstract server, both ends of a connection, the name gone.",
            "Exits 1 if a step does not behave as the post says. Its folder and name are unique to the run unless given."},
        footer = {"", "Example:", "  uds tour"})
public class Tour implements Callable<Integer> {
    private static final long STEP_TIMEOUT_SECONDS = 30;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/-]+");

    @Option(names = "--folder", paramLabel = "DIR",
            description = "A new folder for the socket file and the servers' logs, removed at the end (default: /tmp/uds-tour-PID).")
    Path folder;

    @Option(names = "--name", paramLabel = "NAME", description = "The abstract name (default: uds-tour-PID).")
    String name;

    @Spec
    CommandSpec spec;

    private ChildProcesses children; // the steps' processes: ended with the tour, also on Ctrl-C

    @Override
    public Integer call() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path dir = folder != null ? folder.toAbsolutePath().normalize() : Path.of("/tmp/uds-tour-" + pid);
        String abstractName = name != null ? name : "uds-tour-" + pid;
        try {
            Address.parse("@" + abstractName); // 1 to 107 bytes, as for every abstract name
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--name': " + e.getMessage());
        }
        // Each command is printed as it is run: plain names and paths need no quoting to paste.
        if (!PLAIN.matcher(dir.toString()).matches() || !PLAIN.matcher(abstractName).matches() || abstractName.contains("/")) {
            throw new ParameterException(spec.commandLine(), "--folder and --name take letters, digits and . _ - (and / in a folder) only");
        }
        if (Files.exists(dir)) {
            throw new ParameterException(spec.commandLine(), dir + " exists: the tour makes a folder of its own");
        }
        children = new ChildProcesses(() -> removeFolderAtTheEnd(dir));

        command("mkdir -m 700 " + dir);
        children.make(() -> Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        System.out.println();
        pathnameSocket(dir, dir.resolve("pathname_socket.sock"));
        System.out.println();
        abstractSocket(dir, abstractName);
        System.out.println();
        command("rm -r " + dir);
        removeFolder(dir);
        System.out.println("Every step behaved as the post says.");
        return 0;
    }

    private void pathnameSocket(Path dir, Path path) throws Exception {
        heading("A pathname socket: the post's server.py and client.py");
        Path log = dir.resolve("pathname-server.log");
        Process server = background("./jbang pathname-server --path " + path + " > " + log + " 2>&1 &",
                PathnameServer.class, log, "--path", path.toString());
        untilListening(server, "pathname-server", log, path.toString());
        String inode = listenerRow(path.toString(), "1", "the post's row: Recv-Q 0, the backlog of listen(1), the path, its inode");
        socketDescriptors(server, inode);

        List<String> client = run("./jbang pathname-client --path " + path, PathnameClient.class, "--path", path.toString());
        expect(client, List.of("Connected to server at " + path), "pathname-client");
        waitFor("wait", server, 0);
        show(log, List.of("Server listening on " + path, "Accepted connection from client",
                "Received data from client: Hello, server! This is the client."), "pathname-server");

        List<String> ls = tool("ls " + path, "ls", path.toString());
        expect(ls, List.of("ls: cannot access '" + path + "': No such file or directory"), "ls: the server removed its socket file");
    }

    private void abstractSocket(Path dir, String name) throws Exception {
        heading("An abstract socket: the post's server_abstract.py and client_abstract.py");
        Path log = dir.resolve("abstract-server.log");
        Process server = background("./jbang abstract-server --name " + name + " --count 2 > " + log + " 2>&1 &"
                + "   # --count 2: two clients, then it ends (the post's while True serves until stopped)",
                AbstractServer.class, log, "--name", name, "--count", "2");
        untilListening(server, "abstract-server", log, "@" + name);
        String inode = listenerRow("@" + name, "128", "the post's row: the name with an @, the backlog of Python's listen(): 128");
        socketDescriptors(server, inode);

        String message = "Hello from a client that stays";
        Process client = background("./jbang uds client @" + name + " '" + message + "' --hold &   # it stays connected: both ends can be seen",
                Uds.class, Path.of("/dev/null"), "client", "@" + name, message, "--hold");
        List<String> peers = run("./jbang inspector --wait --connected --peers @" + name, Inspector.class, "--wait", "--connected", "--peers", "@" + name);
        String pair = String.join("\n", peers);
        if (!pair.contains("pid=" + server.pid() + ",") || !pair.contains("pid=" + client.pid() + ",") || !pair.contains("<->")) {
            throw new IOException("the inspector did not show the server (pid " + server.pid() + ") and the client (pid " + client.pid() + ") as one connection");
        }
        command("kill $!");
        children.stop(client); // SIGTERM: its JVM ends, and with it the connection

        List<String> second = run("./jbang abstract-client --name " + name, AbstractClient.class, "--name", name);
        expect(second, List.of(), "abstract-client");
        waitFor("wait", server, 0);
        show(log, List.of("Server is listening for connections on abstract socket: " + name,
                "Accepted connection from client", "Received data: " + message,
                "Accepted connection from client", "Received data: Hello, abstract socket!"), "abstract-server");

        String row = " @" + name.replace(".", "\\.") + "$"; // a row that ends with the name: not @NAME-other
        List<String> grep = tool("grep -c '" + row + "' /proc/net/unix   # the name vanished with its last reference, the server's socket",
                "grep", "-c", row, "/proc/net/unix");
        expect(grep, List.of("0"), "grep: the kernel still lists @" + name);
    }

    /**
     * `ss -l -x -A unix_stream | grep ADDRESS`: the listener's row, as the post shows it; returns its inode.
     * Grep shows every row that holds ADDRESS (another tour's folder, `@demo2` for `@demo`); exactly one
     * must be the listener at ADDRESS itself.
     */
    private String listenerRow(String address, String backlog, String why) throws Exception {
        List<String> rows = quietly("ss", "-l", "-x", "-A", "unix_stream").stream().filter(row -> row.contains(address)).toList();
        command("ss -l -x -A unix_stream | grep " + address + "   # " + why);
        rows.forEach(System.out::println);
        Pattern listener = Pattern.compile("^LISTEN +0 +" + backlog + " +" + Pattern.quote(address) + " (\\d+) .*");
        List<Matcher> listeners = rows.stream().map(listener::matcher).filter(Matcher::matches).toList();
        if (listeners.size() != 1) {
            throw new IOException("ss did not show one listener at " + address + " with a backlog of " + backlog + ": " + rows);
        }
        return listeners.get(0).group(1);
    }

    /** `ls -l /proc/$!/fd | grep socket:`: the server's descriptors, one of them the listener's inode. */
    private void socketDescriptors(Process server, String inode) throws Exception {
        List<String> links = quietly("ls", "-l", "/proc/" + server.pid() + "/fd").stream().filter(line -> line.contains("socket:")).toList();
        command("ls -l /proc/$!/fd | grep socket:   # a later fd than the post's 3: the JVM opens its own files first (3: docs/socket-activation.md)"
                + (links.size() > 1 ? "; the other socket is the JDK's own (NIO keeps one end of a socketpair)" : ""));
        links.forEach(System.out::println);
        if (links.stream().noneMatch(line -> line.endsWith(" -> socket:[" + inode + "]"))) {
            throw new IOException("no file descriptor of pid " + server.pid() + " links to socket:[" + inode + "]");
        }
    }

    /** Runs a lesson's or a tool's class in a JVM of its own, with its output to LOG; the command line shows it. */
    private Process background(String shown, Class<?> main, Path log, String... args) throws IOException, InterruptedException {
        command(shown);
        return children.start(new ProcessBuilder(JavaProcess.command(main, args)).redirectErrorStream(true).redirectOutput(log.toFile()));
    }

    /** Runs a class in a JVM of its own to its end, prints and returns what it printed (exit 0 expected). */
    private List<String> run(String shown, Class<?> main, String... args) throws Exception {
        command(shown);
        List<String> output = finish(new ProcessBuilder(JavaProcess.command(main, args)), shown);
        if (!shown.endsWith("> /dev/null")) {
            output.forEach(System.out::println);
        }
        return output;
    }

    /** Runs a system tool (ss, ls, grep) to its end; prints and returns what it printed. */
    private List<String> tool(String shown, String... argv) throws Exception {
        List<String> output = quietly(argv);
        command(shown);
        output.forEach(System.out::println);
        return output;
    }

    /** Runs a system tool to its end and returns what it printed, with LC_ALL=C: the words and quotes the tour shows, in any locale. */
    private List<String> quietly(String... argv) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().put("LC_ALL", "C");
        return finish(builder, null);
    }

    private List<String> finish(ProcessBuilder builder, String mustSucceed) throws Exception {
        Process process = children.start(builder.redirectErrorStream(true));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        waitFor(null, process, mustSucceed == null ? -1 : 0);
        return output.isEmpty() ? List.of() : List.of(output.split("\n"));
    }

    /** `wait`: the process ends within the step's time, with EXIT (-1: any). */
    private void waitFor(String shown, Process process, int exit) throws Exception {
        if (shown != null) {
            command(shown);
        }
        if (!process.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException(process.info().command().orElse("a step") + " did not end within " + STEP_TIMEOUT_SECONDS + " s");
        }
        children.ended(process);
        if (exit >= 0 && process.exitValue() != exit) {
            throw new IOException(process.info().commandLine().orElse("a step") + " exited with " + process.exitValue() + ", not " + exit);
        }
    }

    /** `inspector --wait`: until the server ($!, not another process at its address) listens; if it ended instead, its log says why. */
    private void untilListening(Process server, String what, Path log, String address) throws Exception {
        try {
            run("./jbang inspector --wait --listening --pid $! " + address + " > /dev/null",
                    Inspector.class, "--wait", "--listening", "--pid", Long.toString(server.pid()), address);
        } catch (IOException notListening) {
            if (server.waitFor(1, TimeUnit.SECONDS)) {
                throw new IOException(what + " exited with " + server.exitValue() + ": " + String.join(" ", Files.readAllLines(log, StandardCharsets.UTF_8)));
            }
            throw notListening;
        }
    }

    /** `cat LOG`: prints the log, which must be the post's lines. */
    private static void show(Path log, List<String> expected, String what) throws IOException {
        command("cat " + log);
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        lines.forEach(System.out::println);
        expect(lines, expected, what);
    }

    private static void expect(List<String> actual, List<String> expected, String what) throws IOException {
        if (!actual.equals(expected)) {
            throw new IOException(what + " printed " + actual + " where the post prints " + expected);
        }
    }

    /** At the tour's end, also on Ctrl-C, once its processes have ended. */
    private static void removeFolderAtTheEnd(Path dir) {
        try {
            removeFolder(dir);
        } catch (IOException e) {
            System.err.println("tour: left " + dir + " (" + e.getMessage() + ")");
        }
    }

    /** Removes the tour's folder and the logs it wrote there; anything else in it keeps the folder. */
    private static void removeFolder(Path dir) throws IOException {
        for (String log : List.of("pathname-server.log", "abstract-server.log")) {
            Files.deleteIfExists(dir.resolve(log));
        }
        Files.deleteIfExists(dir);
    }

    private static void heading(String text) {
        System.out.println("== " + text);
    }

    private static void command(String text) {
        System.out.println("$ " + text);
    }
}
