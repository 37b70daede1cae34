///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's "Feel free to try!": a socket file outlives its server, an abstract name its last reference does not.

import java.io.*;
import java.lang.management.ManagementFactory;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// It tries the post's "Feel free to try!" and shows each step as the kernel lists it (/proc/net/unix):
// (a) a pathname socket file outlives its server; (b) an abstract name vanishes when its last
// reference closes; (c) and not before: a child process that inherited the socket keeps the name alive.
@Command(name = "lifecycle", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Shows that a socket file outlives its server, and that an abstract name vanishes with its last reference, not before.",
            "Each claim is checked against /proc/net/unix: exit 1 if one does not hold."},
        footer = {"", "Example:", "  jbang lifecycle.java"})
class Lifecycle implements Callable<Integer> {
    @Option(names = "--path", paramLabel = "PATH", description = "Socket file for (a) (default: /tmp/uds-lifecycle-PID.sock).")
    Path path;

    @Option(names = "--name", paramLabel = "NAME", description = "Abstract name for (b) and (c), without the leading NUL (default: uds-lifecycle-PID).")
    String name;

    @Option(names = "--inherited-child", hidden = true, description = "The child of (c): accepts once on the socket that is its standard input.")
    boolean inheritedChild;

    @Override
    public Integer call() throws Exception {
        if (inheritedChild) {
            return child();
        }
        long pid = ProcessHandle.current().pid();
        Path file = path != null ? path : Path.of("/tmp/uds-lifecycle-" + pid + ".sock");
        String abstractName = name != null ? name : "uds-lifecycle-" + pid;
        // sun_path holds 108 bytes: a path and its closing NUL, or a NUL and the name.
        if (file.getFileName() == null || file.toString().isEmpty() || file.toString().getBytes(StandardCharsets.UTF_8).length > 107
                || abstractName.isEmpty() || abstractName.getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new ParameterException(new CommandLine(this), "--path must name a file in 1 to 107 bytes, and --name be 1 to 107 bytes");
        }
        // junixsocket's bind() would find a name in use by connecting to its holder: look it up first.
        if (listedInKernelTable(abstractName, "0001")) {
            throw new IOException("@" + abstractName + " is already in use");
        }
        pathnameOutlivesItsServer(file);
        AFUNIXSocketAddress address = AFUNIXSocketAddress.of(("\0" + abstractName).getBytes(StandardCharsets.UTF_8));
        abstractVanishesWithItsLastReference(address, "@" + abstractName);
        childHoldsItUntilItExits(address, "@" + abstractName);
        System.out.println();
        System.out.println("Every claim held, and nothing is left behind.");
        return 0;
    }

    static void pathnameOutlivesItsServer(Path path) throws IOException {
        System.out.println("== (a) A pathname socket file outlives its server");
        removeStaleSocketFile(path); // only a dead server's socket file goes
        Map<String, Object> ours;
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) { // socket()
            server.setReuseAddress(false); // else junixsocket would move a live server's file away and take its path
            server.setDeleteOnClose(false); // junixsocket removes the file on close(); close(2) in C or Python does not
            server.bind(AFUNIXSocketAddress.of(path)); // bind() makes the file, then listen()
            ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours))); // stopped half-way
            System.out.println("A server binds and listens on " + path);
            claim(kernelRows(path.toString()).size() == 1, "a socket is bound to " + path);
        } // close()
        System.out.println("The server closes its socket, and leaves the file (delete-on-close is off)");
        claim(kernelRows(path.toString()).isEmpty(), "no socket is bound to " + path + " any more");
        Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino", LinkOption.NOFOLLOW_LINKS);
        claim(((Integer) file.get("mode") & 0170000) == 0140000, path + " is still there, a socket file");
        System.out.println("The file is still there: s" + PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + " " + path);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            client.connect(AFUNIXSocketAddress.of(path));
            claim(false, "connecting to " + path + " is refused");
        } catch (SocketException e) {
            // ECONNREFUSED, as junixsocket throws it (EACCES has its type too: access(2) rules that out)
            claim(Files.isWritable(path), "connecting to " + path + " is refused (not: " + e.getMessage() + ")");
            System.out.println("Connecting to it: Connection refused: a stale socket file, nothing behind it");
        }
        removeOwnSocketFile(path, ours); // the post's os.unlink(), of this very file only
        claim(Files.notExists(path, LinkOption.NOFOLLOW_LINKS), path + " is removed");
        System.out.println("Removed the stale file " + path + " (it is ours)");
    }

    static void abstractVanishesWithItsLastReference(AFUNIXSocketAddress address, String name) throws IOException {
        String shown = escaped(name.getBytes(StandardCharsets.UTF_8)); // a name may hold any byte
        System.out.println();
        System.out.println("== (b) An abstract name vanishes with its last reference");
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.bind(address);
            System.out.println("A server binds and listens on " + shown + " (no file: the name lives in the kernel)");
            claim(kernelRows(name).size() == 1, "a socket is bound to " + name);
        }
        System.out.println("The server closes its socket, the name's only reference");
        claim(kernelRows(name).isEmpty(), name + " is gone");
    }

    static void childHoldsItUntilItExits(AFUNIXSocketAddress address, String name) throws Exception {
        String shown = escaped(name.getBytes(StandardCharsets.UTF_8)); // a name may hold any byte
        System.out.println();
        System.out.println("== (c) A child process that holds the socket keeps the name, until it exits");
        Process child;
        String inode;
        long server = ProcessHandle.current().pid();
        try (AFUNIXServerSocket listener = AFUNIXServerSocket.newInstance()) {
            listener.bind(address);
            System.out.println("A server binds and listens on " + shown + " again (the name was free)");
            // The child: the same java, JVM options and class path as this JVM, and this class as its main.
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Lifecycle.class.getName(), "--inherited-child"));
            // It inherits the listening socket as its standard input, as inetd and systemd hand one over.
            child = new ProcessBuilder(command).redirectInput(FileDescriptorCast.using(listener.getFileDescriptor()).as(ProcessBuilder.Redirect.class))
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Runtime.getRuntime().addShutdownHook(new Thread(child::destroyForcibly)); // stopped half-way: no child left
            System.out.println("It starts child process " + child.pid() + " with the socket as its standard input (fd 0)");
            List<String> rows = kernelRows(name);
            claim(rows.size() == 1, "a socket is bound to " + name);
            inode = rows.get(0).split(" +")[6];
            claim(heldBy(inode, server, child.pid()).contains("pid " + child.pid() + " fd 0"), "the child holds the socket on its fd 0");
            // junixsocket's close() shuts the socket down (shutdown(2)), for the child too. close(2) on our
            // descriptor drops only this process's reference, which is what the kernel counts.
            FileDescriptorCast.using(listener.getFileDescriptor()).as(FileInputStream.class).close();
        } // junixsocket's close() then finds no descriptor left to shut down
        System.out.println("The server closes its descriptor: it holds the socket no more");
        claim(kernelRows(name).size() == 1, name + " stays");
        claim(heldBy(inode, server, child.pid()).equals(List.of("pid " + child.pid() + " fd 0")), name + " is held by the child alone");
        System.out.println("The name stays while the child holds it. Connecting to it: the child accepts");
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            client.connect(address);
        }
        claim(child.waitFor(30, TimeUnit.SECONDS), "the child exits within 30 s");
        claim(child.exitValue() == 0, "the child exits with 0 (not " + child.exitValue() + ")");
        System.out.println("The child exited: the kernel closed its descriptors, the name's last reference");
        claim(kernelRows(name).isEmpty(), name + " is gone");
    }

    /** The child of (c): the socket it inherited, as inetd and systemd pass one, is its standard input. */
    static Integer child() throws IOException {
        if (!(System.inheritedChannel() instanceof ServerSocketChannel inherited)) {
            throw new IOException("--inherited-child is lifecycle's own: it wants a listening socket as standard input");
        }
        inherited.accept();
        System.out.println("Child " + ProcessHandle.current().pid() + ": accepted a connection on the socket it inherited; it exits without closing it");
        return 0;
    }

    /** The rows of /proc/net/unix whose Path is ADDRESS (a path, or @name), printed as they are. */
    static List<String> kernelRows(String address) throws IOException {
        String path = new String(address.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1); // names are bytes
        // Num RefCount Protocol Flags Type St Inode Path: 8 fields at most, as a Path may hold spaces.
        List<String> rows = Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1).stream()
                .filter(row -> row.split(" +", 8).length == 8 && row.split(" +", 8)[7].equals(path)).toList();
        rows.forEach(row -> System.out.println("/proc/net/unix: " + escaped(row.getBytes(StandardCharsets.ISO_8859_1))));
        if (rows.isEmpty()) {
            System.out.println("/proc/net/unix: no row for " + escaped(address.getBytes(StandardCharsets.UTF_8)));
        }
        return rows;
    }

    /** Who holds socket INODE among PIDS: each /proc/PID/fd/N that links to socket:[INODE] (how ss -p finds them). */
    static List<String> heldBy(String inode, long... pids) throws IOException {
        List<String> holders = new ArrayList<>();
        for (long pid : pids) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
                for (Path fd : fds) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().equals("socket:[" + inode + "]")) {
                            holders.add("pid " + pid + " fd " + fd.getFileName());
                        }
                    } catch (NoSuchFileException closedMeanwhile) {
                        // not a holder any more
                    }
                }
            }
        }
        System.out.println("Held by: " + String.join(", ", holders));
        return holders;
    }

    static void claim(boolean holds, String what) throws IOException {
        if (!holds) {
            throw new IOException("the claim did not hold: " + what);
        }
    }

    /** Removes the file at PATH only if it is a socket file that no socket is bound to any more. */
    static void removeStaleSocketFile(Path path) throws IOException {
        if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino", LinkOption.NOFOLLOW_LINKS);
        if (((Integer) file.get("mode") & 0170000) != 0140000) {
            throw new IOException(path + " exists and is not a socket: left untouched");
        }
        // A datagram socket's connect() finds out whether a socket is bound to the file without making a
        // connection that a live server would see: only ECONNREFUSED means that none is. junixsocket gives
        // EPROTOTYPE (a live stream or seqpacket socket) a type of its own, but ECONNREFUSED and EACCES
        // the same one, and strerror's words are translated: access(2) tells those two apart.
        try (AFUNIXDatagramSocket probe = AFUNIXDatagramSocket.newInstance()) {
            probe.connect(AFUNIXSocketAddress.of(path));
        } catch (SocketException e) {
            boolean refused = !(e instanceof OperationNotSupportedSocketException) && Files.isWritable(path);
            if (refused && file.equals(Files.readAttributes(path, "unix:mode,dev,ino", LinkOption.NOFOLLOW_LINKS))) {
                Files.delete(path);
                System.out.println("Removed stale socket file " + escaped(path.toString().getBytes(StandardCharsets.UTF_8)) + " (its server is gone)");
                return;
            }
        }
        throw new IOException(path + " is a live socket: left untouched");
    }

    /** Removes the socket file that bind() made, if the file at PATH is still that one: a socket, with every attribute in OURS the same. */
    static void removeOwnSocketFile(Path path, Map<String, Object> ours) {
        try {
            // Once our socket is closed and the file removed by another, ext4 gives its inode number to the next new
            // file: the time it was made (its mtime: nothing writes to a socket file) tells that file from ours.
            Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            boolean socket = ((Integer) file.get("mode") & 0170000) == 0140000;
            if (socket && ours.keySet().stream().allMatch(key -> ours.get(key).equals(file.get(key)))) {
                Files.delete(path);
            }
        } catch (IOException goneAlready) {
            // nothing of ours is left to remove
        }
    }

    /** Whether /proc/net/unix lists a socket of TYPE (0001 stream, 0002 datagram, 0005 seqpacket) bound to @NAME. */
    static boolean listedInKernelTable(String name, String type) throws IOException {
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1); // names are bytes
        String address = "@" + new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        // A row ends "Type St Inode Path" and a newline, which a name may hold too: search the whole text.
        return Pattern.compile(" " + type + " \\p{XDigit}{2} +\\d+ " + Pattern.quote(address) + "\n").matcher(table).find();
    }

    /** Bytes from others as one line that cannot move the cursor or forge a line (the notation: docs/escapes.md). */
    static String escaped(byte[] bytes) {
        boolean utf8 = Arrays.equals(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), bytes);
        String text = new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1); // not UTF-8: bytes
        return Pattern.compile(utf8 ? "[\\\\\\p{C}\\p{Zl}\\p{Zp}]" : "[\\\\\\p{C}\\x80-\\xff]").matcher(text).replaceAll(m -> {
            int c = m.group().codePointAt(0);
            String escape = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c < 0x80 || !utf8 ? String.format("\\x%02x", c) : String.format("\\u{%x}", c);
            return Matcher.quoteReplacement(escape);
        });
    }

    public static void main(String... args) {
        CommandLine cli = new CommandLine(new Lifecycle());
        cli.setExpandAtFiles(false); // @name is an abstract address, never a file of arguments to read
        // One line on stderr, never a stack trace: exit 2 for bad input, 1 for a failure at run time.
        cli.setParameterExceptionHandler((e, arguments) -> fail(cli, e, 2));
        cli.setExecutionExceptionHandler((e, command, parsed) -> fail(cli, e, 1));
        System.exit(cli.execute(args));
    }

    static int fail(CommandLine cli, Exception e, int status) {
        // The JDK's file exceptions name only the file: say what is wrong with it too.
        String message = e instanceof java.nio.file.NoSuchFileException ? e.getMessage() + ": no such file or folder"
                : e instanceof java.nio.file.AccessDeniedException ? e.getMessage() + ": permission denied"
                : e instanceof java.nio.file.FileAlreadyExistsException ? e.getMessage() + ": already exists" : String.valueOf(e.getMessage());
        System.err.println(cli.getCommandName() + ": " + escaped(message.getBytes(StandardCharsets.UTF_8)));
        return status;
    }
}
