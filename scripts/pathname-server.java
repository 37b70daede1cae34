///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's server.py: a stream server on a pathname socket, a file in the file system.

import java.io.*;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it, then the client: it prints what the client sent, ends, and removes its socket file.
// The file is the address: a client finds the server by its path, and the file stays until removed.
@Command(name = "pathname-server", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Listens on a pathname socket, accepts one client and prints what it sends, as the post's server.py does.",
        footer = {"", "Example:", "  jbang pathname-server.java --path /tmp/demo/server.sock"})
class PathnameServer implements Callable<Integer> {
    @Option(names = "--path", paramLabel = "PATH", description = "Socket file to create; a missing folder is made, mode 700 (default: ${DEFAULT-VALUE}).")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Override
    public Integer call() throws IOException {
        // sun_path holds 108 bytes with the closing NUL: a longer path would be cut short, not refused.
        if (path.getFileName() == null || path.toString().isEmpty() || path.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new ParameterException(new CommandLine(this), "--path must name a file in 1 to 107 bytes");
        }
        Files.createDirectories(path.toAbsolutePath().getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        removeStaleSocketFile(path); // the post unlinks whatever is there; only a dead server's socket file goes

        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            server.setReuseAddress(false); // else junixsocket would move a live server's file away and take its path
            server.setDeleteOnClose(false); // else close() would delete whatever file is at the path by then
            try {
                server.bind(AFUNIXSocketAddress.of(path), 1); // bind() makes the socket file, then listen(1) as the post
            } catch (SocketException e) {
                throw new IOException("cannot bind " + path + ": " + e.getMessage()); // "Permission denied", say
            }
            Map<String, Object> ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            // The post's os.unlink(): on every way out (Ctrl-C and SIGTERM too), and only of this very file.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours)));
            System.out.println("Server listening on " + escaped(path.toString().getBytes(StandardCharsets.UTF_8)));

            try (AFUNIXSocket client = server.accept()) {
                System.out.println("Accepted connection from client");
                // recv() until the client closes: one recv(1024), as in the post, may return part of a
                // message. Only the first 64 KiB is kept to show; the rest is counted, so memory is bounded.
                InputStream in = client.getInputStream();
                byte[] data = in.readNBytes(65536);
                long more = in.transferTo(OutputStream.nullOutputStream());
                System.out.println("Received data from client: " + escaped(data) + (more == 0 ? "" : "... (" + (data.length + more) + " bytes)"));
            }
        } // close(): the socket is gone, and the shutdown hook removes its file
        return 0;
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
        CommandLine cli = new CommandLine(new PathnameServer());
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
