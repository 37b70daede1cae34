///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: a SOCK_SEQPACKET client, connects and sends each RECORD as one record.

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start seqpacket-server.java first. The client connects, as to a stream, sends each RECORD with
// one send() and closes. The server reads each record whole and in order, one read a record:
// records never run together as the writes on a stream do.
@Command(name = "seqpacket-client", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Connects to a SOCK_SEQPACKET socket, sends each RECORD as one record, and closes.",
            "A record is sent whole or not at all: one longer than the socket's send buffer is refused."},
        footer = {"", "Example:", "  jbang seqpacket-client.java @demo short 'a longer record'"})
class SeqpacketClient implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS", description = "The server: @NAME for an abstract name, anything else a path, as ss shows them.")
    String address;

    @Parameters(index = "1..*", paramLabel = "RECORD", description = "Records to send, one send() each, not empty; - sends standard input as one "
            + "(default: 'first record' 'second' 'the third and last record').")
    List<String> records;

    @Override
    public Integer call() throws IOException {
        byte[] sunPath = sunPath(address);
        if (sunPath == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, of 1 to 107 bytes");
        }
        List<byte[]> toSend = new ArrayList<>();
        for (String record : records == null ? List.of("first record", "second", "the third and last record") : records) {
            toSend.add("-".equals(record) ? System.in.readAllBytes() : record.getBytes(StandardCharsets.UTF_8));
            if (toSend.get(toSend.size() - 1).length == 0) {
                throw new ParameterException(new CommandLine(this), "a RECORD must not be empty: the server would read it as the end of the connection");
            }
        }

        // socket(AF_UNIX, SOCK_SEQPACKET): junixsocket makes it as a datagram socket of that type.
        try (AFUNIXDatagramSocket client = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET)) {
            try {
                client.connect(AFUNIXSocketAddress.of(sunPath)); // a connection, as with a stream: the server's accept() returns it
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + address + ": " + e.getMessage());
            }
            System.out.println("Connected to server at " + address);
            for (int n = 1; n <= toSend.size(); n++) {
                byte[] data = toSend.get(n - 1);
                try {
                    client.getChannel().write(ByteBuffer.wrap(data)); // send(): one record, all of it or nothing
                } catch (SocketException e) {
                    throw new IOException("cannot send record " + n + " (" + data.length + " bytes): " + e.getMessage());
                }
                System.out.println("Sent record " + n + ": " + escaped(data));
            }
        } // close(): the server's next read returns 0 bytes, the end
        return 0;
    }

    /** ADDRESS as sun_path's bytes: @NAME is an abstract name (a NUL byte, then NAME), anything else a path; null if empty or too long. */
    static byte[] sunPath(String address) {
        boolean isAbstract = address.startsWith("@");
        byte[] bytes = (isAbstract ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: the NUL and up to 107 for a name, up to 107 and a closing NUL for a path.
        return bytes.length < (isAbstract ? 2 : 1) || bytes.length > (isAbstract ? 108 : 107) ? null : bytes;
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
        CommandLine cli = new CommandLine(new SeqpacketClient());
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
