import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The post end to end: each step script runs as a real, separate process (the same classes the
 * step scripts are), and every step is checked against what the post says. The first step that
 * does not behave ends the tour with exit code 1.
 */
@Command(name = "tour", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Runs the post end to end, as real separate processes.",
            "A pathname server, its inspector row (the post's ss line) and /proc/PID/fd link, a client, the",
            "file gone; then the same with an abstract name, which vanishes with its server. Exits 1 if a step",
            "does not behave as the post says. Its path and name are unique to the run unless given."})
public class Tour implements Callable<Integer> {
    private static final long STEP_TIMEOUT_SECONDS = 30;

    @Option(names = "--path", paramLabel = "PATH", converter = SocketAddresses.PathnameConverter.class,
            description = "Socket file for the pathname step (default: /tmp/uds-tour-PID/pathname_socket.sock).")
    Path path;

    @Option(names = "--name", paramLabel = "NAME", converter = SocketAddresses.AbstractNameConverter.class,
            description = "Abstract name for the abstract step (default: uds-tour-PID).")
    String name;

    private final List<Process> running = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path ownFolder = path == null ? Path.of("/tmp/uds-tour-" + pid) : null;
        Path socketPath = path != null ? path : ownFolder.resolve("pathname_socket.sock");
        String abstractName = name != null ? name : "uds-tour-" + pid;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(ownFolder))); // also on Ctrl-C

        pathnameSocket(socketPath);
        System.out.println();
        abstractSocket(abstractName);
        System.out.println();
        System.out.println("Every step behaved as the post says.");
        return 0;
    }

    private void pathnameSocket(Path path) throws Exception {
        heading("A pathname socket: the post's server.py and client.py");
        Step server = start("pathname-server", PathnameServer.class, "--path", path.toString()); // serves one client, as the post
        server.expect("Server listening on " + path);
        showSocket(server, path.toString(), "ss -l -x -A unix_stream | grep " + path.getFileName());

        Step client = start("pathname-client", PathnameClient.class, "--path", path.toString());
        client.expect("Connected to server at " + path);
        client.expectExit(0);
        server.expect("Accepted connection from client");
        server.expect("Received data from client: Hello, server! This is the client.");
        server.expectExit(0);

        command("ls " + path);
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the server ended but left its socket file " + path);
        }
        System.out.println("ls: " + path + ": No such file: the server removed its socket file as it ended");
    }

    private void abstractSocket(String name) throws Exception {
        heading("An abstract socket: the post's server_abstract.py and client_abstract.py");
        Step server = start("abstract-server", AbstractServer.class, "--name", name, "--count", "1");
        server.expect("Server is listening for connections on abstract socket: " + name);
        showSocket(server, "@" + name, "ss -l -x -A unix_stream | grep " + name);

        Step client = start("abstract-client", AbstractClient.class, "--name", name);
        client.expectExit(0);
        server.expect("Accepted connection from client");
        server.expect("Received data: Hello, abstract socket!");
        server.expectExit(0);

        command("grep @" + name + " /proc/net/unix");
        if (Inspector.inUse("@" + name)) {
            throw new IOException("the server ended but the kernel still lists @" + name);
        }
        System.out.println("(nothing: the name vanished with its last reference, the server's socket)");
    }

    /** The post's two checks: the inspector lists the listener (as ss does), and the server's /proc/PID/fd links to its inode. */
    private static void showSocket(Step server, String address, String postCommand) throws IOException {
        long pid = server.process.pid();
        Inspector.Listener listener = Inspector.listenerHeldBy(address, pid)
                .orElseThrow(() -> new IOException("no listening socket at " + address + " held by pid " + pid));
        command("uds inspect --listening " + address + "        # the post's: " + postCommand);
        listener.lines().forEach(System.out::println);

        Path fd = Path.of("/proc", Long.toString(pid), "fd", Integer.toString(listener.fd()));
        command("ls -l /proc/" + pid + "/fd | grep socket:");
        System.out.println(fd + " -> " + Files.readSymbolicLink(fd));
    }

    /** One step script, run as its own process; its output is read line by line. */
    private final class Step {
        final String script;
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Step(String script, Process process) {
            this.script = script;
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ended) {
                    // the process is gone; expect() reports what is missing
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        void expect(String wanted) throws Exception {
            String line = lines.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (line == null) {
                throw new IOException(script + " did not print \"" + wanted + "\""
                        + (process.isAlive() ? " within " + STEP_TIMEOUT_SECONDS + "s" : " (it exited with " + process.exitValue() + ")"));
            }
            System.out.println(line);
            if (!line.equals(wanted)) {
                throw new IOException(script + " printed \"" + line + "\" where the post prints \"" + wanted + "\"");
            }
        }

        void expectExit(int wanted) throws Exception {
            if (!process.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(script + " did not exit within " + STEP_TIMEOUT_SECONDS + "s");
            }
            running.remove(process);
            for (String line; (line = lines.poll(1, TimeUnit.SECONDS)) != null; ) {
                System.out.println(line);
            }
            if (process.exitValue() != wanted) {
                throw new IOException(script + " exited with " + process.exitValue() + ", not " + wanted);
            }
        }
    }

    /** Starts a step script's main class in a new JVM, like this one (same java, options and classpath). */
    private Step start(String script, Class<?> mainClass, String... args) throws IOException {
        command(script + " " + String.join(" ", args) + (script.endsWith("server") ? " &" : ""));
        Process process = new ProcessBuilder(JavaProcess.command(mainClass, args)).redirectErrorStream(true).start();
        running.add(process);
        if (script.endsWith("server")) {
            System.out.println("[1] " + process.pid());
        }
        return new Step(script, process);
    }

    /** Stops what still runs (SIGTERM: the servers remove their files), and the tour's own folder. */
    private void stopAll(Path ownFolder) {
        for (Process process : List.copyOf(running)) {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (ownFolder != null) {
                Files.deleteIfExists(ownFolder); // only when empty
            }
        } catch (IOException notEmpty) {
            System.err.println("tour: left " + ownFolder + " (not empty)");
        }
    }

    private static void heading(String text) {
        System.out.println("== " + text);
    }

    private static void command(String text) {
        System.out.println("$ " + text);
    }
}
