///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: a datagram (SOCK_DGRAM) server that answers each datagram in upper case, as TLPI's ud_ucase does.

import java.io.IOException;
import java.math.BigInteger;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it, then datagram-client.java: each datagram arrives whole, with the address of its sender,
// and the answer goes back to that address. No listen(), no accept(): the address is all there is, so
// the server answers only where it knows it exactly (a path: junixsocket blurs abstract names), and says why not.
@Command(name = "datagram-server", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Binds a datagram (SOCK_DGRAM) socket and answers each datagram in upper case, as TLPI's ud_ucase_sv does.",
            "The post's SOCK_DGRAM: it keeps message boundaries, \"somehow like UDP\".",
            "The answer goes to the sender's address if that is a path: junixsocket cannot tell an abstract sender's name exactly."},
        footer = {"", "Example:", "  jbang datagram-server.java @demo --count 2"})
class DatagramServer implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", arity = "0..1", description = "@NAME for an abstract name, anything else a path, as ss shows them (default: ${DEFAULT-VALUE}).")
    String address = "@datagram_socket";

    @Option(names = "--count", paramLabel = "N", converter = WholeNumber.class, description = "Datagrams to receive, then exit; 0 receives until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Option(names = "--max-size", paramLabel = "BYTES", converter = WholeNumber.class, description = "Longest datagram taken whole, 1 to 1048576; a longer one is cut by the kernel, and not answered (default: ${DEFAULT-VALUE}).")
    int maxSize = 65536;

    @Override
    public Integer call() throws IOException {
        byte[] sunPath = sunPath(address);
        if (sunPath == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, of 1 to 107 bytes");
        }
        if (maxSize < 1 || maxSize > 1 << 20) {
            throw new ParameterException(new CommandLine(this), "--max-size must be 1 to 1048576 bytes, not " + maxSize);
        }
        Path path = sunPath[0] == 0 ? null : Path.of(address);
        if (path != null) {
            removeStaleSocketFile(path); // only a dead socket's file goes
        } else if (listedInKernelTable(address.substring(1), "0002")) { // Type 0002: a datagram socket
            // junixsocket's bind() would find out by connecting to the holder, and the kernel would mark
            // the holder connected (state 03) for good: look the name up in the kernel's table first.
            throw new IOException(address + " is already in use");
        }
        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance()) { // socket(AF_UNIX, SOCK_DGRAM)
            try {
                server.bind(AFUNIXSocketAddress.of(sunPath)); // an address to receive at: no listen(), no accept()
            } catch (SocketException e) {
                throw new IOException("cannot bind " + address + ": " + e.getMessage());
            }
            if (path != null) { // close() leaves a datagram socket's file: remove it on every way out, only if still ours
                Map<String, Object> ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours)));
            }
            System.out.println("Server is bound to datagram socket: " + address);

            // One byte more than we take whole: a datagram that fills it was longer, and the kernel cut it.
            byte[] buffer = new byte[maxSize + 1];
            for (int received = 0; count == 0 || received < count; received++) {
                DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
                try {
                    server.receive(datagram); // one receive = one datagram, as it was sent, from whoever sent it
                } catch (SocketTimeoutException emptyDatagram) {
                    // There is no timeout here: junixsocket reports an empty datagram so, and drops its sender.
                    System.out.println("Received an empty datagram (junixsocket does not say from whom): not answered");
                    continue;
                }
                byte[] sender = senderAddress(datagram);
                String from = shown(sender);
                if (datagram.getLength() > maxSize) {
                    System.out.println("Datagram from " + from + " was longer than " + maxSize + " bytes: cut, not answered");
                    continue;
                }
                byte[] data = Arrays.copyOf(buffer, datagram.getLength());
                System.out.println("Received datagram from " + from + ": " + escaped(data));
                // The answer goes to the sender's address: only where the address is known exactly, or it could go to another.
                String notExact = sender == null ? "the sender has no address (it did not bind)" : whyNotExact(sender);
                if (notExact != null) {
                    System.out.println("Not answered: " + notExact);
                    continue;
                }
                // Upper case byte by byte, as C's toupper() and Python's bytes.upper(): ASCII letters only.
                for (int i = 0; i < data.length; i++) {
                    data[i] = data[i] >= 'a' && data[i] <= 'z' ? (byte) (data[i] - 'a' + 'A') : data[i];
                }
                answer(server, sender, data); // sendto() the sender's address
            }
        } // close(): an abstract name vanishes with the socket; the shutdown hook removes a socket file
        return 0;
    }

    /** The sender's sun_path as junixsocket gives it (an abstract name with its NUL padding cut off), or null if it has none. */
    static byte[] senderAddress(DatagramPacket datagram) throws SocketException {
        if (datagram.getAddress() == null) {
            return null; // the sender did not bind (or its name is NULs only: junixsocket cannot tell)
        }
        // junixsocket hands the address over wrapped in an InetAddress, an abstract name padded with NULs to 107 bytes.
        byte[] address = AFUNIXSocketAddress.unwrap(datagram.getAddress(), datagram.getPort()).getPathAsBytes();
        int length = address.length;
        while (address[0] == 0 && length > 1 && address[length - 1] == 0) {
            length--;
        }
        return Arrays.copyOf(address, length);
    }

    /**
     * Why SENDER (from senderAddress) may not be the sender's exact address, or null if it is. A path ends at its
     * first NUL, so it is exact, when absolute. An abstract name is not: junixsocket drops the address length that
     * recvfrom() returns and pads the name with NULs, so @T came from @T, @T\0 or @T\0\0... alike, and @T may
     * be a third party's (the kernel's table cannot settle it: the sender may have closed by the time we look).
     * Only a name that fills sun_path, 107 bytes, has no room for padding.
     */
    static String whyNotExact(byte[] sender) {
        if (sender[0] != 0) {
            return sender[0] == '/' ? null : "its path is relative to its own working folder, which the server does not know";
        }
        return sender.length == 108 ? null : "cannot tell " + shown(sender) + " from " + shown(sender) + "\\x00... (junixsocket pads abstract names with NULs)";
    }

    /** Sends ANSWER to the sender's address without waiting: a sender that is gone or does not read is reported, and the server goes on. */
    static void answer(AFUNIXDatagramSocket server, byte[] sender, byte[] answer) throws IOException {
        // The kernel never drops a unix datagram: a sender waits while the receiver's queue is full. Do
        // not wait, or a client that does not read its answers would hold up the server for everyone.
        server.getChannel().configureBlocking(false);
        try {
            if (server.getChannel().send(ByteBuffer.wrap(answer), AFUNIXSocketAddress.of(sender)) == 0) {
                System.err.println("datagram-server: answer to " + shown(sender) + " dropped: its queue is full (it does not read)");
            }
        } catch (SocketException gone) { // "Connection refused", or "No such file or directory" for a removed file
            System.err.println("datagram-server: cannot answer " + shown(sender) + ": " + gone.getMessage());
        } finally {
            server.getChannel().configureBlocking(true);
        }
    }

    /** A sun_path as ss shows it, @ for the leading NUL of an abstract name, through escaped(); (unnamed) for none. */
    static String shown(byte[] sunPath) {
        return sunPath == null ? "(unnamed)" : sunPath[0] == 0 ? "@" + escaped(Arrays.copyOfRange(sunPath, 1, sunPath.length)) : escaped(sunPath);
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
        CommandLine cli = new CommandLine(new DatagramServer());
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
