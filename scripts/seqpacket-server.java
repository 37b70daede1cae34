///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: a SOCK_SEQPACKET server, connections like a stream but records kept whole and in order.

import java.io.IOException;
import java.math.BigInteger;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it, then seqpacket-client.java: it prints each record the client sent, one line each.
// Like a stream, SOCK_SEQPACKET has listen(), accept() and an end; like datagrams, each send() is one
// record, and one read returns one whole record: never part of one, never two. A longer one is cut.
@Command(name = "seqpacket-server", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Listens on a SOCK_SEQPACKET socket and prints each record a client sends.",
            "The post's SOCK_SEQPACKET: \"connection-oriented, preserves message boundaries, and delivers messages in the order that they were sent\".",
            "A record longer than the reader's buffer is cut, the rest of it gone; an empty record reads as the end, as recv() returns 0 bytes for both."},
        footer = {"", "Example:", "  jbang seqpacket-server.java @demo --buffer 8"})
class SeqpacketServer implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", arity = "0..1", description = "@NAME for an abstract name, anything else a path, as ss shows them (default: ${DEFAULT-VALUE}).")
    String address = "@seqpacket_socket";

    @Option(names = "--count", paramLabel = "N", converter = WholeNumber.class, description = "Clients to serve, one after the other, then exit; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    int count = 1;

    @Option(names = "--buffer", paramLabel = "BYTES", converter = WholeNumber.class, description = "The reader's buffer, 1 to 1048576; a longer record is cut (default: ${DEFAULT-VALUE}).")
    int buffer = 1024;

    @Override
    public Integer call() throws IOException {
        byte[] sunPath = sunPath(address);
        if (sunPath == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, of 1 to 107 bytes");
        }
        if (buffer < 1 || buffer > 1 << 20) {
            throw new ParameterException(new CommandLine(this), "--buffer must be 1 to 1048576 bytes, not " + buffer);
        }
        Path path = sunPath[0] == 0 ? null : Path.of(address);
        if (path != null) {
            removeStaleSocketFile(path); // only a dead server's socket file goes
        } else if (listedInKernelTable(address.substring(1), "0005")) { // Type 0005: a seqpacket socket
            // junixsocket's bind() would find a name in use by connecting to its holder, which would see a
            // client that says nothing: look the name up in the kernel's table first. A stream's @NAME is another name.
            throw new IOException(address + " is already in use");
        }

        // socket(AF_UNIX, SOCK_SEQPACKET): junixsocket makes it as a datagram socket of that type.
        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET)) {
            try {
                server.bind(AFUNIXSocketAddress.of(sunPath));
            } catch (SocketException e) {
                throw new IOException("cannot bind " + address + ": " + e.getMessage());
            }
            if (path != null) { // close() leaves the socket file: remove it on every way out, only if still ours
                Map<String, Object> ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours)));
            }
            server.listen(50); // connection-oriented, as a stream: listen(), then accept() each client
            System.out.println("Server listening on " + address + " (SOCK_SEQPACKET); each record is read into a buffer of " + buffer + " bytes");

            // One byte more than --buffer, as a tell-tale: junixsocket does not pass on the kernel's MSG_TRUNC
            // flag, so a read that fills this last byte is how we learn the record was longer than --buffer.
            ByteBuffer received = ByteBuffer.allocate(buffer + 1);
            for (int served = 0; count == 0 || served < count; served++) {
                try (AFDatagramSocket<AFUNIXSocketAddress> client = server.accept()) {
                    System.out.println("Accepted connection from client");
                    int records = 0;
                    while (true) {
                        received.clear();
                        int length = client.getChannel().read(received); // one read returns one whole record
                        if (length < 0) {
                            break; // recv() returned 0 bytes: the client closed (or sent an empty record)
                        }
                        records++;
                        System.out.println("Record " + records + ": " + escaped(Arrays.copyOf(received.array(), Math.min(length, buffer))));
                        if (length > buffer) {
                            // The kernel copied what fitted and dropped the rest: the next read gets the next record.
                            System.out.println("Record " + records + " was longer than " + buffer + " bytes: the rest of it is gone");
                        }
                    }
                    System.out.println("Client closed the connection after " + records + (records == 1 ? " record" : " records"));
                } catch (IOException e) { // a client that fails (reset) does not end the server
                    System.err.println("seqpacket-server: a client failed: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                }
            }
        } // close(): an abstract name vanishes with the socket; the shutdown hook removes a socket file
        return 0;
    }

    /** ADDRESS as sun_path's bytes: @NAME is an abstract name (a NUL byte, then NAME), anything else a path; null if empty or too long. */
    static byte[] sunPath(String address) {
        boolean isAbstract = address.startsWith("@");
        byte[] bytes = (isAbstract ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: the NUL and up to 107 for a name, up to 107 and a closing NUL for a path.
        return bytes.length < (isAbstract ? 2 : 1) || bytes.length > (isAbstract ? 108 : 107) ? null : bytes;
    }

    /** A whole number 0 or more: picocli's own int would call 99999999999 "not an int", and take nothing larger. */
    static final class WholeNumber implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            if (!text.matches("-?[0-9]+")) {
                throw new TypeConversionException("'" + text + "' is not a whole number");
            }
            BigInteger number = new BigInteger(text);
            if (number.signum() < 0) {
                throw new TypeConversionException("must be 0 or more, not " + text);
            }
            if (number.bitLength() > 31) {
                throw new TypeConversionException(text + " is too large (at most " + Integer.MAX_VALUE + ")");
            }
            return number.intValue();
        }
    }

    /** Whether /proc/net/unix lists a socket of TYPE (0001 stream, 0002 datagram, 0005 seqpacket) bound to @NAME. */
    static boolean listedInKernelTable(String name, String type) throws IOException {
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1); // names are bytes
        String address = "@" + new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        // A row ends "Type St Inode Path" and a newline, which a name may hold too: search the whole text.
        return Pattern.compile(" " + type + " \\p{XDigit}{2} +\\d+ " + Pattern.quote(address) + "\n").matcher(table).find();
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
        CommandLine cli = new CommandLine(new SeqpacketServer());
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
