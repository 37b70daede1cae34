///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: sends each message as one datagram (SOCK_DGRAM) and prints the answer, as TLPI's ud_ucase_cl does.

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.*;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start datagram-server.java first. The client binds an address of its own, since a datagram server
// can answer only to the address a datagram came from (a path, as TLPI's client binds), sends each
// message as one datagram and prints each answer: one send is one datagram, one receive takes one whole.
@Command(name = "datagram-client", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Sends each MESSAGE as one datagram (SOCK_DGRAM) to ADDRESS and prints the answer, as TLPI's ud_ucase_cl does.",
            "It binds an address of its own first: a datagram server answers to the sender's address."},
        footer = {"", "Example:", "  jbang datagram-client.java @demo one two"})
class DatagramClient implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS", description = "The server: @NAME for an abstract name, anything else a path, as ss shows them.")
    String address;

    @Parameters(index = "1..*", paramLabel = "MESSAGE", description = "Messages to send, one datagram each (default: Hello, datagram socket!).")
    List<String> messages;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "The client's own address, where the answers come; datagram-server.java answers paths only (default: /tmp/datagram-client-PID.sock).")
    String bind;

    @Option(names = "--autobind", description = "Let the kernel choose the client's name (bind() with an empty address): @ and five hex digits.")
    boolean autobind;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for each reply (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 5;

    @Override
    public Integer call() throws IOException {
        // The client's own address; an absolute path, since a relative one would name a file in the server's folder.
        String own = autobind ? null : bind == null ? "/tmp/datagram-client-" + ProcessHandle.current().pid() + ".sock"
                : bind.startsWith("@") ? bind : Path.of(bind).toAbsolutePath().toString();
        byte[] server = sunPath(address);
        byte[] ownSunPath = own == null ? null : sunPath(own);
        if (server == null || own != null && ownSunPath == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS and --bind must be @NAME or a path, of 1 to 107 bytes");
        }
        if (autobind && bind != null) {
            throw new ParameterException(new CommandLine(this), "--bind and --autobind exclude each other");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 86_400) {
            throw new ParameterException(new CommandLine(this), "--timeout must be 1 to 86400");
        }
        Path ownPath = own == null || ownSunPath[0] == 0 ? null : Path.of(own);
        if (ownPath != null) {
            removeStaleSocketFile(ownPath); // only a dead socket's file goes
        } else if (own != null && listedInKernelTable(own.substring(1), "0002")) { // Type 0002: a datagram socket
            // junixsocket's bind() would find out by connecting to the holder, and the kernel would mark
            // the holder connected (state 03) for good: look the name up in the kernel's table first.
            throw new IOException(own + " is already in use");
        }
        try (AFUNIXDatagramSocket client = AFUNIXDatagramSocket.newInstance()) { // socket(AF_UNIX, SOCK_DGRAM)
            // A datagram server answers to the sender's address: an unbound client would get no reply.
            if (autobind) {
                autobind(client);
                byte[] chosen = client.getLocalSocketAddress().getPathAsBytes(); // getsockname(): the kernel's choice
                own = "@" + escaped(Arrays.copyOfRange(chosen, 1, chosen.length));
            } else {
                try {
                    client.bind(AFUNIXSocketAddress.of(ownSunPath));
                } catch (SocketException e) {
                    throw new IOException("cannot bind " + own + ": " + e.getMessage());
                }
            }
            if (ownPath != null) { // close() leaves a datagram socket's file: remove it on every way out, only if still ours
                Map<String, Object> ours = Files.readAttributes(ownPath, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(ownPath, ours)));
            }
            System.out.println("Client is bound to datagram socket: " + own);
            try {
                // connect() makes no connection for a datagram socket: it fixes the one address that send()
                // goes to and that receive() takes datagrams from. The kernel refuses any other sender's
                // datagram (with EPERM, to them), so what the client reads as the answer is the server's.
                client.connect(AFUNIXSocketAddress.of(server));
            } catch (SocketException e) {
                throw new IOException("cannot reach " + address + ": " + e.getMessage());
            }
            client.setSoTimeout(timeoutSeconds * 1000); // receive() waits --timeout s at most

            for (String message : messages == null ? List.of("Hello, datagram socket!") : messages) {
                byte[] data = message.getBytes(StandardCharsets.UTF_8);
                try {
                    client.send(new DatagramPacket(data, data.length)); // send(): one datagram, whole, to the server
                } catch (SocketException e) {
                    throw new IOException("cannot send to " + address + ": " + e.getMessage());
                }
                System.out.println("Sent: " + escaped(data));

                // One byte more than the longest answer we take: a reply that fills it was longer, and cut.
                byte[] buffer = new byte[Math.max(65536, data.length) + 1];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                long start = System.nanoTime();
                try {
                    client.receive(reply); // recv(): one datagram, whole: the answer to this message
                } catch (SocketTimeoutException e) {
                    // junixsocket reports an empty datagram as a timeout too, but at once: a real one took most of --timeout.
                    if (System.nanoTime() - start > timeoutSeconds * 800_000_000L) {
                        throw new IOException("no reply from " + address + " within " + timeoutSeconds + " s");
                    }
                    reply.setLength(0); // an empty datagram
                }
                if (reply.getLength() == buffer.length) {
                    throw new IOException("the reply from " + address + " was longer than " + (buffer.length - 1) + " bytes: cut");
                }
                System.out.println("Reply: " + escaped(Arrays.copyOf(buffer, reply.getLength())));
            }
        } // close(): an abstract name vanishes with the socket; the shutdown hook removes a socket file
        return 0;
    }

    /**
     * bind() with an empty address, sun_family alone: the kernel picks a free abstract name, five hex digits
     * (sending unbound with SO_PASSCRED does the same). junixsocket refuses an empty address and has no
     * SO_PASSCRED, so this calls its own native bind() (junixsocket 2.10.1) with the two bytes of sun_family.
     */
    static void autobind(AFUNIXDatagramSocket socket) throws IOException {
        ByteBuffer familyOnly = ByteBuffer.allocateDirect(110).order(ByteOrder.nativeOrder()).putShort(0, (short) 1); // AF_UNIX
        try {
            Method bind = Class.forName("org.newsclub.net.unix.NativeUnixSocket")
                    .getDeclaredMethod("bind", ByteBuffer.class, int.class, FileDescriptor.class, int.class);
            bind.setAccessible(true);
            bind.invoke(null, familyOnly, 2, socket.getFileDescriptor(), 16); // 16: its OPT_DGRAM_MODE, a plain bind()
        } catch (InvocationTargetException e) {
            throw new IOException("cannot autobind: " + e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot autobind: junixsocket's native bind() is not where 2.10.1 has it (" + e + ")");
        }
    }

    /** ADDRESS as sun_path's bytes: @NAME is an abstract name (a NUL byte, then NAME), anything else a path; null if empty or too long. */
    static byte[] sunPath(String address) {
        boolean isAbstract = address.startsWith("@");
        byte[] bytes = (isAbstract ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: the NUL and up to 107 for a name, up to 107 and a closing NUL for a path.
        return bytes.length < (isAbstract ? 2 : 1) || bytes.length > (isAbstract ? 108 : 107) ? null : bytes;
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
        CommandLine cli = new CommandLine(new DatagramClient());
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
