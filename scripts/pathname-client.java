///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's client.py: connects to a pathname socket and sends one message.

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start the server first. The client finds it by its socket file, sends one message and closes:
// closing is how the server learns that the message is complete.
@Command(name = "pathname-client", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Connects to a pathname socket and sends one message, as the post's client.py does.",
        footer = {"", "Example:", "  jbang pathname-client.java --path /tmp/demo/server.sock 'hello'"})
class PathnameClient implements Callable<Integer> {
    @Option(names = "--path", paramLabel = "PATH", description = "Socket file of the server (default: ${DEFAULT-VALUE}).")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Parameters(paramLabel = "MESSAGE", arity = "0..1", description = "Message to send (default: ${DEFAULT-VALUE}).")
    String message = "Hello, server! This is the client.";

    @Override
    public Integer call() throws IOException {
        // sun_path holds 108 bytes with the closing NUL: a longer path would be cut short, not refused.
        if (path.getFileName() == null || path.toString().isEmpty() || path.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
            throw new ParameterException(new CommandLine(this), "--path must name a file in 1 to 107 bytes");
        }
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            try {
                client.connect(AFUNIXSocketAddress.of(path)); // the server's accept() returns this connection
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + path + ": " + e.getMessage());
            }
            System.out.println("Connected to server at " + escaped(path.toString().getBytes(StandardCharsets.UTF_8)));
            client.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8)); // the post's sendall()
        } // close(): the server reads the end of the message
        return 0;
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
        CommandLine cli = new CommandLine(new PathnameClient());
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
