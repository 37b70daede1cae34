///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DESCRIPTION The post's server.py with the JDK alone (Java 16+): a stream server on a pathname socket, no junixsocket.

import java.io.*;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import picocli.CommandLine;
import picocli.CommandLine.*;
import picocli.CommandLine.Model.CommandSpec;

// Start it, then a client (pathname-client.java or the post's client.py): it prints what the client
// sent, ends, and removes its socket file. Since Java 16 the JDK alone speaks AF_UNIX, pathnames only:
// --abstract shows that it refuses an abstract name, which is why the other lessons use junixsocket;
// --inetd serves a socket handed over on standard input, the one form the JDK can take over.
@Command(name = "pathname-server-jdk", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Listens on a pathname socket with the JDK alone, accepts one client and prints what it sends, as the post's server.py does.",
        footer = {"", "Example:", "  jbang pathname-server-jdk.java --path /tmp/demo/server.sock"})
class PathnameServerJdk implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH", description = "Socket file to create; a missing folder is made, mode 700 (default: ${DEFAULT-VALUE}).")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Option(names = "--abstract", paramLabel = "NAME", description = "Try the abstract name NAME instead of a path: the JDK refuses it (exit 1).")
    String abstractName;

    @Option(names = "--inetd", description = "Serve the socket on standard input instead (systemd's StandardInput=socket, systemd-socket-activate --inetd): a listening one, or one client's connection.")
    boolean inetd;

    @Override
    public Integer call() throws IOException {
        // sun_path holds 108 bytes with the closing NUL: a longer path would be cut short, not refused.
        if (path.getFileName() == null || path.toString().isEmpty() || path.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new ParameterException(spec.commandLine(), "--path must name a file in 1 to 107 bytes");
        }
        if (abstractName != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--path")) {
                throw new ParameterException(spec.commandLine(), "--path and --abstract exclude each other");
            }
            try { // The post's b'\0abstract_socket' as the JDK takes an address: a path, here one that starts with a NUL.
                UnixDomainSocketAddress.of("\0" + abstractName);
            } catch (InvalidPathException e) {
                throw new IOException("the JDK cannot bind an abstract name: UnixDomainSocketAddress.of(a NUL byte + \"" + abstractName
                        + "\") fails with \"" + e.getReason() + "\"; that is why the kit uses junixsocket (abstract-server)");
            }
            throw new IOException("this JDK takes an abstract name: try abstract-server's address with it");
        }
        if (inetd) {
            if (abstractName != null || spec.commandLine().getParseResult().hasMatchedOption("--path")) {
                throw new ParameterException(spec.commandLine(), "--inetd takes no address: the socket on standard input has one");
            }
            return serveStandardInput();
        }
        Files.createDirectories(path.toAbsolutePath().getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) { // socket(AF_UNIX, SOCK_STREAM)
            try {
                server.bind(UnixDomainSocketAddress.of(path), 1); // bind() makes the socket file, then listen(1) as the post
            } catch (BindException e) {
                // The post unlinks whatever is at the path. Only a stale file (its server gone) may go, and the
                // JDK cannot tell stale from live: its only probe is a stream connect(), which a live server
                // accepts as a client (the post's server.py would take it for its one client, and end). So
                // bind() fails here, as it never replaces a file, and the reader decides.
                if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("cannot bind " + path + ": " + e.getMessage());
                }
                boolean socketFile = ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0140000;
                throw new IOException(path + (socketFile ? " is a socket file, live or stale: left untouched (if ss -x -l shows no server on it, remove it)"
                        : " exists and is not a socket: left untouched"));
            }
            Map<String, Object> ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            // The post's os.unlink(): the JDK's close() leaves the file. On every way out (Ctrl-C and
            // SIGTERM too), and only of this very file.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours)));
            System.out.println("Server listening on " + path);

            try (SocketChannel client = server.accept()) {
                System.out.println("Accepted connection from client");
                receive(client);
            }
        } // close(): the socket is gone, and the shutdown hook removes its file
        return 0;
    }

    /**
     * --inetd: the one way the JDK takes over a socket it did not make, System.inheritedChannel(), which
     * looks at standard input only. (systemd's socket activation hands it over on fd 3, which takes
     * junixsocket: the socket-activation lesson.) It is not ours to remove: systemd made it.
     */
    int serveStandardInput() throws IOException {
        System.setOut(System.err); // inetd hands the socket over on standard output too: the lines go to stderr
        Channel inherited = System.inheritedChannel();
        NetworkChannel socket = inherited instanceof NetworkChannel network ? network : null;
        if (socket == null || !(socket.getLocalAddress() instanceof UnixDomainSocketAddress local)) {
            throw new ParameterException(spec.commandLine(), "standard input is not a unix socket: start it as systemd-socket-activate --inetd -l PATH jbang pathname-server-jdk.java --inetd");
        }
        if (socket instanceof ServerSocketChannel server) { // StandardInput=socket with Accept=no: a listening socket
            System.out.println("Server listening on " + escaped(local.getPath().toString().getBytes(StandardCharsets.UTF_8)) + " (standard input)");
            try (SocketChannel client = server.accept()) {
                System.out.println("Accepted connection from client");
                receive(client);
            }
        } else { // inetd, or Accept=yes: one client's connection, a process each
            try (SocketChannel client = (SocketChannel) socket) {
                System.out.println("Accepted connection from client (standard input)");
                receive(client);
            }
        }
        return 0;
    }

    /** recv() until the client closes, and print what it sent. */
    static void receive(SocketChannel client) throws IOException {
        // One recv(1024), as in the post, may return part of a message. Only the first 64 KiB is kept
        // to show; the rest is counted, so memory is bounded.
        InputStream in = Channels.newInputStream(client);
        byte[] data = in.readNBytes(65536);
        long more = in.transferTo(OutputStream.nullOutputStream());
        System.out.println("Received data from client: " + escaped(data) + (more == 0 ? "" : "... (" + (data.length + more) + " bytes)"));
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
        CommandLine cli = new CommandLine(new PathnameServerJdk());
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
