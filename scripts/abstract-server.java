///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's server_abstract.py: a stream server on an abstract socket, a name in no file system.

import java.io.*;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it, then the client as often as you like: it prints what each client sends, until stopped.
// The name starts with a NUL byte, so no file is made; it vanishes when the server's socket closes.
@Command(name = "abstract-server", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Listens on an abstract socket and prints what each client sends, as the post's server_abstract.py does.",
        footer = {"", "Example:", "  jbang abstract-server.java --name demo --count 1"})
class AbstractServer implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "The name, without the leading NUL; ss shows it as @NAME (default: ${DEFAULT-VALUE}).")
    String name = "abstract_socket";

    @Option(names = "--count", paramLabel = "N", description = "Clients to serve, then exit; 0 serves until stopped, as the post's while True (default: ${DEFAULT-VALUE}).")
    long count = 0;

    @Option(names = "--idle", paramLabel = "SECONDS", description = "Let a client go once it has sent nothing for SECONDS, so that the next one is served (default: ${DEFAULT-VALUE}).")
    int idleSeconds = 10;

    @Override
    public Integer call() throws IOException {
        // The post's b'\0abstract_socket': a NUL byte first, then the name; sun_path holds 108 bytes in all.
        byte[] address = ("\0" + name).getBytes(StandardCharsets.UTF_8);
        if (address.length < 2 || address.length > 108 || count < 0 || idleSeconds < 1 || idleSeconds > 86_400) {
            throw new ParameterException(new CommandLine(this), "--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400");
        }
        // junixsocket's bind() would find a name in use by connecting to its holder, which would see a
        // client that says nothing: look the name up in the kernel's table of unix sockets first.
        if (listedInKernelTable(name, "0001")) { // Type 0001: a stream socket
            throw new IOException("@" + name + " is already in use");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            server.bind(AFUNIXSocketAddress.of(address), 128); // bind(), then listen() with Python's backlog: 128
            System.out.println("Server is listening for connections on abstract socket: " + escaped(name.getBytes(StandardCharsets.UTF_8)));

            for (long served = 0; count == 0 || served < count; served++) {
                try (AFUNIXSocket client = server.accept()) {
                    System.out.println("Accepted connection from client");
                    // One client at a time, as in the post: one that sends nothing may hold the others up for --idle s.
                    client.setSoTimeout(idleSeconds * 1000);
                    // recv() until the client closes; only the first 64 KiB is kept, the rest counted.
                    InputStream in = client.getInputStream();
                    byte[] data = in.readNBytes(65536);
                    long more = in.transferTo(OutputStream.nullOutputStream());
                    System.out.println("Received data: " + escaped(data) + (more == 0 ? "" : "... (" + (data.length + more) + " bytes)"));
                } catch (SocketTimeoutException silent) {
                    System.err.println("abstract-server: a client was silent for " + idleSeconds + " seconds: let go");
                } catch (IOException e) { // a client that fails (a reset, say) does not end the server
                    System.err.println("abstract-server: a client failed: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                }
            }
        } // close(): the name vanishes with its last reference, this socket
        return 0;
    }

    /** Whether /proc/net/unix lists a socket of TYPE (0001 stream, 0002 datagram, 0005 seqpacket) bound to @NAME. */
    static boolean listedInKernelTable(String name, String type) throws IOException {
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1); // names are bytes
        String address = "@" + new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        // A row ends "Type St Inode Path" and a newline, which a name may hold too: search the whole text.
        return Pattern.compile(" " + type + " \\p{XDigit}{2} +\\d+ " + Pattern.quote(address) + "\n").matcher(table).find();
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
        CommandLine cli = new CommandLine(new AbstractServer());
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
