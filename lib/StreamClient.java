import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * uds client: the post's two clients under one command, by ADDRESS, and two-way as nc -U and socat
 * are: it sends MESSAGE or standard input, and prints what the server sends back until it closes.
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
            description = "End when the server has sent nothing for SECONDS, for a server that answers but never closes (default: wait until it closes).")
    Double timeout;

    @Option(names = "--hold", description = "After sending, keep the connection open (no shutdown) until stopped (Ctrl-C, kill), to look at it with the inspector or ss.")
    boolean hold;

    /** The first failure of the sending thread, if any. */
    private volatile IOException sendFailure;

    @Override
    public Integer call() throws IOException, InterruptedException {
        InputStream stdin = "-".equals(message) ? standardInput() : null;
        byte[] first = stdin != null ? new byte[0]
                : (message != null ? message : address.isAbstract() ? "Hello, abstract socket!" : "Hello, server! This is the client.")
                        .getBytes(StandardCharsets.UTF_8);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            try {
                client.connect(address.socketAddress());
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + address + ": " + e.getMessage());
            }
            if (!address.isAbstract()) {
                System.err.println("Connected to server at " + address);
            }
            // Sending on a thread of its own: while it waits for the server to read, this one reads what
            // the server sends, so that neither side's buffers fill up with the other waiting on them.
            InputStream fromServer = client.getInputStream(); // before the sender starts: its failure closes the socket
            if (timeout != null) {
                client.setSoTimeout((int) Math.ceil(timeout * 1000));
            }
            Thread sender = new Thread(() -> send(client, first, stdin), "sender");
            sender.setDaemon(true); // a user who never ends a terminal's input is not waited for
            sender.start();
            boolean closedByServer = receive(fromServer);
            if (hold) {
                Thread.currentThread().join(); // until SIGTERM or SIGINT ends the JVM, and with it the connection
            }
            if (closedByServer && !(stdin != null && isTerminal(0))) {
                sender.join(); // the rest of the input: accepted by a server that still reads, or refused (EPIPE)
            }
            if (sendFailure != null) {
                throw sendFailure;
            }
        }
        return 0;
    }

    /** Sends FIRST, then standard input if given, and shuts down the sending side (unless --hold). */
    private void send(AFUNIXSocket client, byte[] first, InputStream stdin) {
        try {
            OutputStream out = client.getOutputStream();
            out.write(first);
            if (stdin != null) {
                stdin.transferTo(out); // streamed: a message larger than memory goes through too
            }
            if (!hold) {
                client.shutdownOutput(); // as the post's client closes: the server reads to the end
            }
        } catch (IOException e) {
            sendFailure = e;
            try {
                client.close(); // the receiving thread's read ends too, and it reports this failure
            } catch (IOException alreadyClosed) {
                // closed either way
            }
        }
    }

    /**
     * Copies what the server sends (FROM_SERVER) to standard output, until it closes (true) or, with
     * --timeout, sends nothing for that long (false).
     */
    private boolean receive(InputStream fromServer) throws IOException {
        OutputStream stdout = new FileOutputStream(FileDescriptor.out); // one write each, unbuffered: a reply shows as it comes
        TerminalText terminal = isTerminal(1) ? new TerminalText() : null;
        byte[] buffer = new byte[65536];
        while (true) {
            int n;
            try {
                n = fromServer.read(buffer);
            } catch (SocketTimeoutException e) {
                System.err.println("uds client: the server sent nothing for " + Cli.seconds(timeout) + " s (--timeout): closed the connection");
                return false;
            } catch (IOException e) {
                throw sendFailure != null ? sendFailure : e; // the sender's failure closed the socket: that is the cause
            }
            if (n < 0) {
                return true;
            }
            try {
                stdout.write(terminal == null ? Arrays.copyOf(buffer, n) : terminal.shown(buffer, n));
            } catch (IOException e) { // a reader that went away (| head): not the server's doing
                throw new IOException("cannot write to standard output: " + e.getMessage());
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

        byte[] shown(byte[] buffer, int n) {
            byte[] bytes = new byte[pending.length + n];
            System.arraycopy(pending, 0, bytes, 0, pending.length);
            System.arraycopy(buffer, 0, bytes, pending.length, n);
            int whole = bytes.length - cutCharacterLength(bytes);
            pending = Arrays.copyOfRange(bytes, whole, bytes.length);
            StringBuilder text = new StringBuilder();
            int start = 0;
            for (int i = 0; i <= whole; i++) {
                if (i == whole || bytes[i] == '\n') {
                    text.append(LessonCopies.escaped(Arrays.copyOfRange(bytes, start, i))).append(i == whole ? "" : "\n");
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
