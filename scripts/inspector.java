///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/Messages.java ../lib/ProcNetUnix.java ../lib/SocketOwners.java ../lib/SocketTable.java
//DESCRIPTION What `ss -x -a -p` and `ls -l /proc/PID/fd` show, read from /proc alone.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspector", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {
            "Lists unix sockets as ss -x -a -p does, from /proc.",
            "/proc/net/unix gives each socket's type, state, address and inode; the /proc/PID/fd links",
            "(socket:[INODE]) give its owners.",
            "",
            "What /proc cannot tell is not shown: the peer of a connection (ss asks the kernel over netlink),",
            "and the owners of a socket held by another user's process when you are not root (shown as ?).",
            "CONNECTING is a connection the server has not accepted yet (ss counts it in the listener's Recv-Q)."},
        footer = {"", "Examples:", "  inspector --listening --abstract", "  inspector --fd 1234", "  inspector --watch pathname_socket"})
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

    @Parameters(paramLabel = "PATTERN", arity = "0..1",
            description = "Only addresses that match this regular expression (a part of it is enough).")
    Pattern pattern;

    @Override
    public Integer call() throws Exception {
        if (fdPid != null) {
            printFileDescriptors(fdPid);
            return 0;
        }
        if (watchSeconds == null) {
            printSockets();
            return 0;
        }
        while (true) {
            System.out.print("\033[H\033[2J"); // home, clear screen
            System.out.println("Every " + watchSeconds + "s, until stopped (Ctrl-C)");
            printSockets();
            Thread.sleep((long) (watchSeconds * 1000));
        }
    }

    private void printSockets() throws IOException {
        List<SocketTable.Socket> sockets = SocketTable.read().stream().filter(this::wanted).toList();
        if (json) {
            System.out.println(jsonArray(sockets.stream().map(Inspector::toJson)));
            return;
        }
        System.out.println(SocketTable.HEADER);
        sockets.forEach(socket -> System.out.println(SocketTable.line(socket)));
    }

    private boolean wanted(SocketTable.Socket socket) {
        return (!listening || socket.state().equals("LISTEN"))
                && (!abstractOnly || socket.isAbstract())
                && (!pathnameOnly || socket.isPathname())
                && (pid == null || socket.owners().stream().anyMatch(owner -> owner.pid() == pid))
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
