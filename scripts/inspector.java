///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/ProcNetUnix.java ../lib/SocketOwners.java ../lib/SocketTable.java
//DESCRIPTION What `ss -x -a -p` and `ls -l /proc/PID/fd` show, read from /proc alone.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspector", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {
            "Lists unix sockets as ss -x -a -p does, from /proc.",
            "/proc/net/unix gives each socket's type, state, address and inode; the /proc/PID/fd links",
            "(socket:[INODE]) give its owners.",
            "",
            "What /proc cannot tell is not shown: the peer of a connection (ss asks the kernel over netlink),",
            "and the owners of a socket held by another user's process when you are not root (shown as ?).",
            "CONNECTING is a connection the server has not accepted yet (ss counts it in the listener's Recv-Q)."},
        footer = {"", "Examples:", "  inspector --listening --abstract", "  inspector --fd 1234", "  inspector --watch pathname_socket",
            "  inspector --wait=30 --listening @abstract_socket"})
class Inspector implements Callable<Integer> {
    @Option(names = "--listening", description = "Only listening sockets.")
    boolean listening;

    @Option(names = "--abstract", description = "Only abstract sockets (@name).")
    boolean abstractOnly;

    @Option(names = "--pathname", description = "Only pathname sockets (a file).")
    boolean pathnameOnly;

    @Option(names = "--pid", paramLabel = "PID", description = "Only sockets that process PID holds.")
    Integer pid;

    @Option(names = "--fd", paramLabel = "PID",
            description = "Every file descriptor of PID and what it links to; for a socket, what it is (the post's ls -l /proc/PID/fd).")
    Integer fdPid;

    @Option(names = "--json", description = "JSON instead of a table, for scripts.")
    boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "1",
            description = "Redraw every SECONDS (default 1) until stopped, to watch sockets appear and vanish.")
    Double watchSeconds;

    @Option(names = "--wait", paramLabel = "SECONDS", arity = "0..1", preprocessor = AttachedOnly.class,
            description = "Wait until at least one socket matches (up to SECONDS, default 10: --wait=SECONDS), then list"
                    + " as usual; exit 1 with one line on stderr if none did. For scripts that start a server, then a client.")
    Double waitSeconds;

    /** --wait takes its SECONDS only as --wait=SECONDS: in `--wait @name`, @name is the pattern. */
    static final class AttachedOnly implements IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec command, ArgSpec option, Map<String, Object> info) {
            if (!"=".equals(info.get("separator"))) {
                args.push("10");
            }
            return false; // picocli goes on, and reads the seconds from the stack
        }
    }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATTERN", arity = "0..1",
            description = "Only addresses that match this regular expression (a part of it is enough).")
    Pattern pattern;

    @Override
    public Integer call() throws Exception {
        if (waitSeconds != null) {
            if (fdPid != null || watchSeconds != null) {
                throw new ParameterException(spec.commandLine(), "--wait lists sockets once: it goes with neither --fd nor --watch");
            }
            if (!(waitSeconds > 0 && waitSeconds <= 86400)) {
                throw new ParameterException(spec.commandLine(), "--wait takes a number of seconds over 0 (at most 86400), not " + shown(waitSeconds));
            }
            printSockets(waitForMatch());
            return 0;
        }
        if (fdPid != null) {
            printFileDescriptors(fdPid);
            return 0;
        }
        if (watchSeconds == null) {
            printSockets(matching());
            return 0;
        }
        while (true) {
            System.out.print("\033[H\033[2J"); // home, clear screen
            System.out.println("Every " + watchSeconds + "s, until stopped (Ctrl-C)");
            printSockets(matching());
            Thread.sleep((long) (watchSeconds * 1000));
        }
    }

    /**
     * Polls /proc/net/unix until a socket passes the filters. Each poll reads only the kernel's table,
     * which is cheap; the owners (a scan of every /proc/PID/fd) are read only once a row could match.
     */
    private List<SocketTable.Socket> waitForMatch() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
        while (true) {
            if (ProcNetUnix.read().stream().map(SocketTable::withoutOwners).anyMatch(this::wantedByRow)) {
                List<SocketTable.Socket> found = matching();
                if (!found.isEmpty()) {
                    return found;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("no socket matched within " + shown(waitSeconds) + (waitSeconds == 1 ? " second" : " seconds"));
            }
            Thread.sleep(25); // about 40 reads a second: quick to notice, and no core kept busy
        }
    }

    /** 10.0 as 10, 0.5 as 0.5. */
    private static String shown(double seconds) {
        return seconds == Math.rint(seconds) && Math.abs(seconds) < 1e15 ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    private List<SocketTable.Socket> matching() throws IOException {
        return SocketTable.read().stream().filter(this::wanted).toList();
    }

    private void printSockets(List<SocketTable.Socket> sockets) {
        if (json) {
            System.out.println(jsonArray(sockets.stream().map(Inspector::toJson)));
            return;
        }
        System.out.println(SocketTable.HEADER);
        sockets.forEach(socket -> System.out.println(SocketTable.line(socket)));
    }

    private boolean wanted(SocketTable.Socket socket) {
        return wantedByRow(socket) && (pid == null || socket.owners().stream().anyMatch(owner -> owner.pid() == pid));
    }

    /** Every filter but --pid: what the row of /proc/net/unix alone can tell, without the owners. */
    private boolean wantedByRow(SocketTable.Socket socket) {
        return (!listening || socket.state().equals("LISTEN"))
                && (!abstractOnly || socket.isAbstract())
                && (!pathnameOnly || socket.isPathname())
                && (pattern == null || pattern.matcher(socket.address()).find());
    }

    /** The post's `ls -l /proc/PID/fd`, with each socket explained. */
    private void printFileDescriptors(int pid) throws IOException {
        Path fds = Path.of("/proc", Integer.toString(pid), "fd");
        Map<Long, SocketTable.Socket> sockets = SocketTable.read().stream()
                .collect(Collectors.toMap(SocketTable.Socket::inode, Function.identity(), (a, b) -> a));
        List<String[]> rows = new ArrayList<>();
        try (Stream<Path> entries = Files.list(fds)) {
            for (Path fd : entries.sorted((a, b) -> Integer.compare(number(a), number(b))).toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                String socket = SocketOwners.socketInode(target).map(sockets::get)
                        .map(s -> s.netid() + " " + s.state() + " " + s.address()).orElse("");
                rows.add(new String[] {fd.getFileName().toString(), target, socket});
            }
        } catch (NoSuchFileException noProcess) {
            throw new IOException("no process " + pid);
        }
        if (json) {
            System.out.println(jsonArray(rows.stream().map(r -> "{\"fd\": " + r[0] + ", \"target\": " + quote(r[1])
                    + ", \"socket\": " + (r[2].isEmpty() ? "null" : quote(r[2])) + "}")));
            return;
        }
        System.out.printf("%-4s %-40s %s%n", "FD", "Target", "Socket");
        rows.forEach(r -> System.out.printf("%-4s %-40s %s%n", r[0], r[1], r[2]));
    }

    private static int number(Path fd) {
        return Integer.parseInt(fd.getFileName().toString());
    }

    private static String toJson(SocketTable.Socket s) {
        String owners = s.owners().stream()
                .map(o -> "{\"name\": " + quote(o.name()) + ", \"pid\": " + o.pid() + ", \"fd\": " + o.fd() + "}")
                .collect(Collectors.joining(", ", "[", "]"));
        return "{\"type\": " + quote(s.netid()) + ", \"state\": " + quote(s.state()) + ", \"address\": "
                + quote(s.address()) + ", \"inode\": " + s.inode() + ", \"owners\": " + owners
                + ", \"owners_complete\": " + s.ownersComplete() + "}";
    }

    private static String jsonArray(Stream<String> elements) {
        List<String> all = elements.toList();
        return all.isEmpty() ? "[]" : all.stream().collect(Collectors.joining(",\n  ", "[\n  ", "\n]"));
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", c) : String.valueOf((char) c));
            }
        });
        return out.append('"').toString();
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new Inspector(), args));
    }
}
