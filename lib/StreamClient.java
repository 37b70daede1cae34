import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.SocketClosedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * uds client: the post's two clients under one command, by ADDRESS, and two-way as nc -U and socat
 * are: it sends MESSAGE or standard input, and prints what the server sends back until it closes.
 * --seqpacket and --datagram do the same with records, as socat does for those types.
 */
@Command(name = "client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Connects to ADDRESS, sends one message or all of standard input, then shuts down its sending side (shutdown(SHUT_WR):"
                    + " the server reads to the end, as with the post's client, which closes), and prints what the server sends back until it closes the connection."
                    + " Both directions run at once: a server that answers while it still reads (an echo) never waits on the client.",
            "Standard output gets the server's bytes alone: exactly as sent when it is a file or a pipe, as with nc -U;"
                    + " on a terminal, escaped in the kit's notation (a newline stays a newline), so that no byte can move the cursor.",
            "The kit's own words go to standard error: \"Connected to server at PATH\" (what the pathname-client lesson prints),"
                    + " and why the client ended if the server did not close."},
        footer = {"", "Examples:", "  uds client @demo 'hello'", "  uds client /tmp/demo/app.sock - < message.txt",
            "  printf 'PING\\r\\n' | uds client /run/redis/redis.sock -", "  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | uds client /tmp/http.sock - > reply.txt",
            "  uds client @demo 'still here' --hold &"})
public class StreamClient implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS", converter = Address.Converter.class, description = "@NAME (abstract) or a path.")
    Address address;

    @Parameters(index = "1", paramLabel = "MESSAGE", arity = "0..1",
            description = "Message to send, or - for all of standard input (default: the post's message for the kind of ADDRESS).")
    String message;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Cli.Seconds.class,
            description = "End when, the input all sent, the server has sent nothing for SECONDS: for a server that answers but never closes (default: wait until it closes; 1 with --datagram).")
    Double timeout;

    @Option(names = "--hold", description = "After sending, keep the connection open (no shutdown) until stopped (Ctrl-C, kill), to look at it with the inspector or ss.")
    boolean hold;

    @Option(names = "--seqpacket", description = "A SOCK_SEQPACKET connection: MESSAGE is one record, and each line of standard input (its newline too); each record received is printed as it came.")
    boolean seqpacket;

    @Option(names = "--datagram", description = "SOCK_DGRAM: the client binds a path of its own (in a new folder under /tmp, removed at the end), so that answers can come back,"
            + " and sends records as --seqpacket does; a datagram socket has no end, so it ends when the server has sent nothing for --timeout seconds (default 1).")
    boolean datagram;

    @Spec
    CommandSpec spec;

    /** The largest record taken, each way: more than a datagram's default limit (net.core.wmem_default, 212992 bytes). */
    private static final int BUFFER = 256 * 1024;

    /**
     * The first failure of either thread that is not the socket's having been closed meanwhile: the
     * cause to report. junixsocket closes the socket on EPIPE and ECONNRESET, and the sender closes it
     * on its failure, so the other thread's next call fails with "not open", a consequence.
     */
    private final AtomicReference<IOException> failure = new AtomicReference<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (seqpacket && datagram) {
            throw new ParameterException(spec.commandLine(), "--seqpacket and --datagram exclude each other");
        }
        InputStream stdin = "-".equals(message) ? standardInput() : null;
        byte[] text = (message != null ? message : address.isAbstract() ? "Hello, abstract socket!" : "Hello, server! This is the client.")
                .getBytes(StandardCharsets.UTF_8);
        try (Connection connection = open()) {
            if (!address.isAbstract() && !datagram) {
                System.err.println("Connected to server at " + address);
            }
            // Sending on a thread of its own: while it waits for the server to read, this one reads what
            // the server sends, so that neither side's buffers fill up with the other waiting on them.
            Thread sender = new Thread(() -> send(connection, stdin == null ? text : null, stdin), "sender");
            sender.setDaemon(true); // a user who never ends a terminal's input is not waited for
            sender.start();
            boolean closedByServer = receive(connection, sender);
            if (hold) {
                Thread.currentThread().join(); // until SIGTERM or SIGINT ends the JVM, and with it the connection
            }
            if (closedByServer && !(stdin != null && isTerminal(0))) {
                sender.join(); // the rest of the input: accepted by a server that still reads, or refused (EPIPE)
            }
            if (failure.get() != null) {
                throw failure.get();
            }
        }
        return 0;
    }

    /** A connected socket of the type asked for, its reads limited by --timeout. */
    private Connection open() throws IOException {
        AFUNIXSocketAddress server = address.socketAddress();
        Double seconds = timeout != null ? timeout : datagram ? Double.valueOf(1) : null;
        int millis = seconds == null ? 0 : (int) Math.ceil(seconds * 1000);
        if (!seqpacket && !datagram) {
            AFUNIXSocket socket = AFUNIXSocket.newInstance();
            connect(socket, () -> socket.connect(server));
            socket.setSoTimeout(millis);
            return Connection.ofStream(socket);
        }
        AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance(datagram ? AFSocketType.SOCK_DGRAM : AFSocketType.SOCK_SEQPACKET);
        if (datagram) {
            bindOwnPath(socket);
        }
        connect(socket, () -> socket.connect(server)); // a datagram socket's connect(): the only peer it sends to and takes datagrams from
        socket.setSoTimeout(millis);
        return datagram ? Connection.ofDatagrams(socket, millis) : Connection.ofRecords(socket, millis);
    }

    private interface Connecting {
        void connect() throws IOException;
    }

    private void connect(Closeable socket, Connecting connecting) throws IOException {
        try {
            connecting.connect();
        } catch (SocketException e) {
            socket.close();
            throw new IOException("cannot connect to " + address + ": " + e.getMessage());
        }
    }

    /**
     * Binds SOCKET to a path in a new folder of its own (a name nobody else holds), which the JVM's
     * exit removes: a datagram server answers to the sender's address, and the kit's datagram server
     * answers paths only. The folder lets others pass (x), not list, so a server of another user can answer.
     */
    private static void bindOwnPath(AFUNIXDatagramSocket socket) throws IOException {
        Path folder = Files.createTempDirectory("uds-client-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path own = folder.resolve("client.sock");
        try {
            socket.bind(AFUNIXSocketAddress.of(own));
        } catch (SocketException e) {
            Files.delete(folder);
            throw new IOException("cannot bind " + own + ": " + e.getMessage());
        }
        Map<String, Object> ours = LessonCopies.ownSocketFile(own);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LessonCopies.removeOwnSocketFile(own, ours);
            try {
                Files.deleteIfExists(folder); // only if empty: what others put there stays
            } catch (IOException leftAsItIs) {
                // not empty, or gone already
            }
        }));
    }

    /**
     * Sends TEXT, or standard input, then shuts down the sending side (unless --hold): a stream's
     * input as it comes, records a line each.
     */
    private void send(Connection connection, byte[] text, InputStream stdin) {
        try {
            if (stdin == null) {
                connection.send(text, text.length);
            } else if (seqpacket || datagram) {
                for (byte[] line; (line = nextLine(stdin)) != null; ) {
                    connection.send(line, line.length);
                }
            } else {
                byte[] chunk = new byte[65536];
                for (int n; (n = stdin.read(chunk)) >= 0; ) { // streamed: input larger than memory goes through too
                    connection.send(chunk, n);
                }
            }
            if (!hold) {
                connection.endSending(); // as the post's client closes: the server reads to the end
            }
        } catch (IOException e) {
            cause(e);
            try {
                connection.close(); // the receiving thread's read ends too, and it reports this failure
            } catch (IOException alreadyClosed) {
                // closed either way
            }
        }
    }

    /** Records E as the failure unless the socket had been closed meanwhile; returns the first failure recorded, or E. */
    private IOException cause(IOException e) {
        if (!closedMeanwhile(e)) {
            failure.compareAndSet(null, e);
        }
        IOException first = failure.get();
        return first != null ? first : e;
    }

    /** Whether E says only that the socket was closed before or during the call (told by type). */
    private static boolean closedMeanwhile(IOException e) {
        return e instanceof SocketClosedException || e instanceof ClosedChannelException;
    }

    /** The next line of IN with its newline (or what is left before the end, or BUFFER bytes of a longer line); null at the end. */
    private static byte[] nextLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; line.size() < BUFFER && (b = in.read()) >= 0; ) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    /**
     * Copies what the server sends to standard output, until it closes (true) or, once SENDER is
     * done, sends nothing for --timeout seconds (false).
     */
    private boolean receive(Connection connection, Thread sender) throws IOException, InterruptedException {
        OutputStream stdout = new FileOutputStream(FileDescriptor.out); // one write each, unbuffered: a reply shows as it comes
        TerminalText terminal = isTerminal(1) ? new TerminalText() : null;
        byte[] buffer = new byte[BUFFER];
        while (true) {
            int n;
            try {
                n = connection.receive(buffer);
            } catch (SocketTimeoutException e) {
                if (sender.isAlive()) {
                    continue; // the input is not all sent: the wait for the answer has not begun
                }
                if (!datagram) { // a datagram socket has no end: the timeout is how it ends
                    System.err.println("uds client: the server sent nothing for " + Cli.seconds(timeout) + " s (--timeout): closed the connection");
                }
                return false;
            } catch (IOException e) {
                if (closedMeanwhile(e)) {
                    // The sender closed the socket on its failure, or junixsocket did on the sender's EPIPE,
                    // perhaps before this thread's first read: the sender's failure, recorded as it ends, is the cause.
                    sender.join();
                }
                throw cause(e);
            }
            if (n < 0) {
                return true;
            }
            try {
                if (terminal == null) {
                    stdout.write(buffer, 0, n);
                } else {
                    stdout.write(terminal.shown(buffer, n, seqpacket || datagram));
                }
            } catch (IOException e) { // a reader that went away (| head): not the server's doing
                throw new IOException("cannot write to standard output: " + e.getMessage());
            }
        }
    }

    /** A connected socket as the two threads use it, whatever its type. */
    private interface Connection extends Closeable {
        /** Sends LENGTH bytes of BYTES: a stream's next bytes, or one record. */
        void send(byte[] bytes, int length) throws IOException;

        /** No more to send: shutdown(SHUT_WR), where the type has an end (stream, seqpacket). */
        void endSending() throws IOException;

        /** Reads the next bytes, or one record, into BUFFER: its length, or -1 at the end; SocketTimeoutException after --timeout. */
        int receive(byte[] buffer) throws IOException;

        static Connection ofStream(AFUNIXSocket socket) throws IOException {
            InputStream in = socket.getInputStream(); // taken now: once the sender's failure closes the socket, they cannot be
            OutputStream out = socket.getOutputStream();
            return new Connection() {
                public void send(byte[] bytes, int length) throws IOException {
                    out.write(bytes, 0, length);
                }

                public void endSending() throws IOException {
                    // Through its channel: JDK 25's Socket.shutdownOutput() takes a junixsocket socket for not connected.
                    socket.getChannel().shutdownOutput();
                }

                public int receive(byte[] buffer) throws IOException {
                    return in.read(buffer);
                }

                public void close() throws IOException {
                    socket.close();
                }
            };
        }

        /** SOCK_SEQPACKET: one send() is one record, one read one record. */
        static Connection ofRecords(AFUNIXDatagramSocket socket, int timeoutMillis) {
            return new Connection() {
                public void send(byte[] bytes, int length) throws IOException {
                    socket.getChannel().write(ByteBuffer.wrap(bytes, 0, length));
                }

                public void endSending() throws IOException {
                    shutdownWriting(socket);
                }

                public int receive(byte[] buffer) throws IOException {
                    long start = System.nanoTime();
                    int n = socket.getChannel().read(ByteBuffer.wrap(buffer));
                    // junixsocket's read returns -1 at the end and also when SO_TIMEOUT has passed: the time tells which.
                    if (n < 0 && timeoutMillis > 0 && System.nanoTime() - start >= timeoutMillis * 1_000_000L) {
                        throw new SocketTimeoutException();
                    }
                    return n;
                }

                public void close() {
                    socket.close();
                }
            };
        }

        /** SOCK_DGRAM, connected: one send() is one datagram, one receive() one datagram; no end. */
        static Connection ofDatagrams(AFUNIXDatagramSocket socket, int timeoutMillis) {
            return new Connection() {
                public void send(byte[] bytes, int length) throws IOException {
                    socket.send(new DatagramPacket(bytes, length));
                }

                public void endSending() {
                    // a datagram socket has no end to announce
                }

                public int receive(byte[] buffer) throws IOException {
                    DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
                    long start = System.nanoTime();
                    try {
                        socket.receive(datagram);
                    } catch (SocketTimeoutException e) {
                        // junixsocket reports an empty datagram as a timeout, at once: the time tells which.
                        if (System.nanoTime() - start >= timeoutMillis * 1_000_000L) {
                            throw e;
                        }
                        return 0;
                    }
                    return datagram.getLength();
                }

                public void close() {
                    socket.close();
                }
            };
        }

        /**
         * shutdown(fd, SHUT_WR) on a SOCK_SEQPACKET socket: the server's next read returns 0 bytes, its
         * end, while the client still reads the answers. junixsocket 2.10.1 offers it for streams only,
         * so this calls its native shutdown() (where 2.10.1 has it) with the socket's descriptor.
         */
        private static void shutdownWriting(AFUNIXDatagramSocket socket) throws IOException {
            try {
                Method shutdown = Class.forName("org.newsclub.net.unix.NativeUnixSocket").getDeclaredMethod("shutdown", FileDescriptor.class, int.class);
                shutdown.setAccessible(true);
                shutdown.invoke(null, socket.getFileDescriptor(), 1); // SHUT_WR
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof IOException cause ? cause : new IOException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IOException("cannot shut down the sending side: junixsocket's native shutdown() is not where 2.10.1 has it (" + e + ")");
            }
        }
    }

    /** Whether file descriptor FD is a terminal: a pseudo-terminal, a console or a serial line, as /proc/self/fd shows it. */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The server's bytes as a terminal shows them: escaped (docs/escapes.md) line by line, a newline
     * kept as a newline. A UTF-8 character cut between two reads waits for its end.
     */
    static final class TerminalText {
        private byte[] pending = new byte[0];

        /** The first N bytes of BUFFER as shown; WHOLE when they end a record, which no read completes. */
        byte[] shown(byte[] buffer, int n, boolean whole) {
            byte[] bytes = new byte[pending.length + n];
            System.arraycopy(pending, 0, bytes, 0, pending.length);
            System.arraycopy(buffer, 0, bytes, pending.length, n);
            int end = bytes.length - (whole ? 0 : cutCharacterLength(bytes));
            pending = Arrays.copyOfRange(bytes, end, bytes.length);
            StringBuilder text = new StringBuilder();
            int start = 0;
            for (int i = 0; i <= end; i++) {
                if (i == end || bytes[i] == '\n') {
                    text.append(LessonCopies.escaped(Arrays.copyOfRange(bytes, start, i))).append(i == end ? "" : "\n");
                    start = i + 1;
                }
            }
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }

        /** How many bytes at the end of BYTES begin a UTF-8 character that the next read will complete (0 to 3). */
        private static int cutCharacterLength(byte[] bytes) {
            for (int back = 1; back <= Math.min(3, bytes.length); back++) {
                int b = bytes[bytes.length - back] & 0xff;
                if (b < 0x80) {
                    return 0;
                }
                if (b >= 0xc0) { // a lead byte: 110xxxxx needs 2 bytes, 1110xxxx 3, 11110xxx 4
                    int length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
                    return length > back ? back : 0;
                }
            }
            return 0;
        }
    }

    /**
     * Standard input, unless it was closed when this JVM started: the JVM then opens one of its own
     * files as file descriptor 0, and "-" would send the JDK's files.
     */
    static InputStream standardInput() throws IOException {
        Path fd0 = Path.of("/proc/self/fd/0");
        if (!Files.exists(fd0, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("standard input is closed: nothing to send");
        }
        Path source = Files.readSymbolicLink(fd0);
        if (source.startsWith(Path.of(System.getProperty("java.home")))
                || System.getProperty("java.class.path").contains(source.toString())) {
            throw new IOException("standard input was closed (fd 0 is the JVM's own " + source + "): nothing to send");
        }
        return System.in;
    }
}
