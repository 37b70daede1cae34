///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's client_abstract.py: connects to an abstract socket and sends one message.

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start the server first. The client finds it by its name alone, which no file system shows,
// sends one message and closes: closing is how the server learns that the message is complete.
@Command(name = "abstract-client", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Connects to an abstract socket and sends one message, as the post's client_abstract.py does.",
        footer = {"", "Example:", "  jbang abstract-client.java --name demo 'hello'"})
class AbstractClient implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "The server's name, without the leading NUL (default: ${DEFAULT-VALUE}).")
    String name = "abstract_socket";

    @Parameters(paramLabel = "MESSAGE", arity = "0..1", description = "Message to send (default: ${DEFAULT-VALUE}).")
    String message = "Hello, abstract socket!";

    @Override
    public Integer call() throws IOException {
        // The post's b'\0abstract_socket': a NUL byte first, then the name; sun_path holds 108 bytes in all.
        byte[] address = ("\0" + name).getBytes(StandardCharsets.UTF_8);
        if (address.length < 2 || address.length > 108) {
            throw new ParameterException(new CommandLine(this), "--name must be 1 to 107 bytes");
        }
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            try {
                client.connect(AFUNIXSocketAddress.of(address)); // the server's accept() returns this connection
            } catch (SocketException e) {
                throw new IOException("cannot connect to @" + name + ": " + e.getMessage());
            }
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
        CommandLine cli = new CommandLine(new AbstractClient());
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
