import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** uds client: the post's two clients under one command, by ADDRESS; also sends standard input. */
@Command(name = "client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Connects to ADDRESS and sends one message, or all of standard input.",
            "It prints what the pathname-client and abstract-client lessons print."},
        footer = {"", "Examples:", "  uds client @demo 'hello'", "  uds client /tmp/demo/app.sock - < message.txt", "  uds client @demo 'still here' --hold &"})
public class StreamClient implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS", converter = Address.Converter.class, description = "@NAME (abstract) or a path.")
    Address address;

    @Parameters(index = "1", paramLabel = "MESSAGE", arity = "0..1",
            description = "Message to send, or - for all of standard input (default: the post's message for the kind of ADDRESS).")
    String message;

    @Option(names = "--hold", description = "After sending, keep the connection open until stopped (Ctrl-C, kill), to look at it with the inspector or ss.")
    boolean hold;

    @Override
    public Integer call() throws IOException, InterruptedException {
        InputStream stdin = "-".equals(message) ? standardInput() : null;
        byte[] first = stdin != null ? stdin.readNBytes(65536) // a failure to read shows before anything is sent
                : (message != null ? message : address.isAbstract() ? "Hello, abstract socket!" : "Hello, server! This is the client.")
                        .getBytes(StandardCharsets.UTF_8);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            try {
                client.connect(address.socketAddress());
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + address + ": " + e.getMessage());
            }
            if (!address.isAbstract()) {
                System.out.println("Connected to server at " + address);
            }
            OutputStream out = client.getOutputStream();
            out.write(first);
            if (stdin != null) {
                stdin.transferTo(out); // streamed: a message larger than memory goes through too
            }
            if (hold) {
                out.flush();
                Thread.currentThread().join(); // until SIGTERM or SIGINT ends the JVM, and with it the connection
            }
        }
        return 0;
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
