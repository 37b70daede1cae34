///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java ../lib/SocketOwners.java ../lib/SocketTable.java ../lib/JavaProcess.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's "Feel free to try!": a socket file outlives its server, an abstract name its last reference does not.

import java.io.FileInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "lifecycle", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang lifecycle@catalog"},
        description = {"The post's \"Feel free to try!\": when a socket's address goes away, each",
            "claim shown by /proc/net/unix (as the inspector prints it) and checked:",
            "(a) a pathname socket file outlives its server: stale, connect is refused;",
            "(b) an abstract name vanishes as its last reference closes;",
            "(c) and not before: a child process that inherited the socket keeps the",
            "    name until it exits.",
            "Exits 1 if a claim does not hold. Its path and name are unique to the run."})
class Lifecycle implements Callable<Integer> {
    private static final long CHILD_TIMEOUT_SECONDS = 30;

    @Option(names = "--path", paramLabel = "PATH", converter = SocketAddresses.PathnameConverter.class,
            description = "Socket file for (a) (default: /tmp/uds-lifecycle-PID.sock).")
    Path path;

    @Option(names = "--name", paramLabel = "NAME", converter = SocketAddresses.AbstractNameConverter.class,
            description = "Abstract name for (b) and (c), without the leading NUL (default: uds-lifecycle-PID).")
    String name;

    @Option(names = "--inherited-child", hidden = true, description = "The child of (c): accepts once on the socket on its standard input.")
    boolean inheritedChild;

    @Override
    public Integer call() throws Exception {
        if (inheritedChild) {
            return child();
        }
        long pid = ProcessHandle.current().pid();
        pathnameOutlivesItsServer(path != null ? path : Path.of("/tmp/uds-lifecycle-" + pid + ".sock"));
        String abstractName = name != null ? name : "uds-lifecycle-" + pid;
        AFUNIXSocketAddress address = AFUNIXSocketAddress.of(("\0" + abstractName).getBytes(StandardCharsets.UTF_8));
        String shown = "@" + SocketAddresses.shown(abstractName);
        abstractVanishesWithItsLastReference(address, shown);
        childHoldsItUntilItExits(address, shown);
        System.out.println();
        System.out.println("Every claim held, and nothing is left behind.");
        return 0;
    }

    private static void pathnameOutlivesItsServer(Path path) throws IOException {
        System.out.println("== (a) A pathname socket file outlives its server");
        SocketFiles.prepareToBind(path); // only ever removes a stale socket file
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.setReuseAddress(false); // junixsocket would otherwise take over a live server's path
            server.setDeleteOnClose(false); // junixsocket removes the file on close; close(2) in C or Python does not
            bind(server, AFUNIXSocketAddress.of(path), path.toString());
            SocketFiles.removeOnExit(path); // should we be stopped half-way (Ctrl-C), the file goes
            System.out.println("A server binds and listens on " + path);
            claim(show(path.toString()).size() == 1, "a socket is bound to " + path);
        }
        System.out.println("The server closes its socket, and leaves the file (delete-on-close is off)");
        claim(show(path.toString()).isEmpty(), "no socket is bound to " + path + " any more");
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        claim((mode & 0170000) == 0140000, path + " is still there, a socket file");
        System.out.println("The file is still there: s" + PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + " " + path);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            client.connect(AFUNIXSocketAddress.of(path));
            claim(false, "connecting to " + path + " is refused");
        } catch (SocketException e) {
            claim("Connection refused".equals(e.getMessage()), "connecting to " + path + " is refused (not: " + e.getMessage() + ")");
            System.out.println("Connecting to it: Connection refused: a stale socket file, nothing behind it");
        }
        Files.delete(path); // the post's os.unlink(): this file is ours
        System.out.println("Removed the stale file " + path + " (it is ours)");
    }

    private static void abstractVanishesWithItsLastReference(AFUNIXSocketAddress address, String shown) throws IOException {
        System.out.println();
        System.out.println("== (b) An abstract name vanishes with its last reference");
        if (ProcNetUnix.isBound(shown)) {
            throw new IOException(shown + " is already in use by another process");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            bind(server, address, shown);
            System.out.println("A server binds and listens on " + shown + " (no file: the name lives in the kernel)");
            claim(show(shown).size() == 1, "a socket is bound to " + shown);
        }
        System.out.println("The server closes its socket, the name's only reference");
        claim(show(shown).isEmpty(), shown + " is gone");
    }

    private static void childHoldsItUntilItExits(AFUNIXSocketAddress address, String shown) throws Exception {
        System.out.println();
        System.out.println("== (c) A child process that holds the socket keeps the name, until it exits");
        Process child;
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            bind(server, address, shown);
            System.out.println("A server binds and listens on " + shown + " again (the name was free)");
            // The child inherits the listening socket as its standard input, as inetd and systemd hand one over.
            ProcessBuilder.Redirect socket = FileDescriptorCast.using(server.getFileDescriptor()).as(ProcessBuilder.Redirect.class);
            child = new ProcessBuilder(JavaProcess.command(Lifecycle.class, "--inherited-child"))
                    .redirectInput(socket).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Runtime.getRuntime().addShutdownHook(new Thread(child::destroyForcibly)); // stopped half-way: no child left
            System.out.println("It starts child process " + child.pid() + " with the socket as its standard input (fd 0)");
            claim(show(shown).stream().anyMatch(s -> s.ownersText().contains(",pid=" + child.pid() + ",fd=0")),
                    "the child holds the socket on its fd 0");
            // junixsocket's close() shuts the socket down (shutdown(2)), for the child too. close(2) on our
            // descriptor drops only this process's reference, which is what the kernel counts.
            FileDescriptorCast.using(server.getFileDescriptor()).as(FileInputStream.class).close();
        } // junixsocket's close() then finds no descriptor left to shut down
        System.out.println("The server closes its descriptor: it holds the socket no more");
        List<SocketTable.Socket> rows = show(shown);
        claim(rows.size() == 1 && rows.get(0).ownersText().matches("[^ ]*,pid=" + child.pid() + ",fd=0"),
                shown + " stays, held by the child alone");
        System.out.println("The name stays while the child holds it. Connecting to it: the child accepts");
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            client.connect(address);
        }
        claim(child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the child exits within " + CHILD_TIMEOUT_SECONDS + " s");
        claim(child.exitValue() == 0, "the child exits with 0 (not " + child.exitValue() + ")");
        System.out.println("The child exited: the kernel closed its descriptors, the name's last reference");
        claim(show(shown).isEmpty(), shown + " is gone");
    }

    /** The child of (c): the socket it inherited, as inetd and systemd pass one, is its standard input. */
    private static Integer child() throws IOException {
        if (!(System.inheritedChannel() instanceof ServerSocketChannel inherited)) {
            throw new IOException("--inherited-child is lifecycle's own: it wants a listening socket as standard input");
        }
        inherited.accept();
        System.out.println("Child " + ProcessHandle.current().pid() + ": accepted a connection on the socket it inherited; it exits without closing it");
        return 0;
    }

    private static void bind(AFUNIXServerSocket server, AFUNIXSocketAddress address, String shown) throws IOException {
        try {
            server.bind(address); // bind and listen
        } catch (SocketException e) {
            throw new IOException("cannot bind " + shown + ": " + e.getMessage());
        }
    }

    /** What /proc/net/unix shows for ADDRESS, printed as the inspector prints it. */
    private static List<SocketTable.Socket> show(String address) throws IOException {
        List<SocketTable.Socket> rows = SocketTable.read().stream().filter(s -> s.address().equals(address)).toList();
        if (rows.isEmpty()) {
            System.out.println("/proc/net/unix: no row for " + address);
        } else {
            System.out.println("/proc/net/unix:");
            System.out.println(SocketTable.HEADER);
            rows.forEach(row -> System.out.println(SocketTable.line(row)));
        }
        return rows;
    }

    private static void claim(boolean holds, String what) throws IOException {
        if (!holds) {
            throw new IOException("the claim did not hold: " + what);
        }
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new Lifecycle(), args));
    }
}
