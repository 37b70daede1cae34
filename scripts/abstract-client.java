///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/Messages.java ../lib/SocketAddresses.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's client_abstract.py: connects to an abstract socket and sends one message.

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "abstract-client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang abstract-client@catalog --name demo \"hello\""},
        description = "Connects to an abstract socket and sends one message, as the post's client_abstract.py does.")
class AbstractClient implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", converter = SocketAddresses.AbstractNameConverter.class,
            description = {"Abstract name of the server, without the leading NUL (default: ${DEFAULT-VALUE}).",
                "A NUL inside it is written \\0, a backslash \\\\."})
    String name = "abstract_socket";

    @Parameters(paramLabel = "MESSAGE", arity = "0..1",
            description = "Message to send, or - to send standard input (default: ${DEFAULT-VALUE}).")
    String message = "Hello, abstract socket!";

    @Override
    public Integer call() throws Exception {
        byte[] data = Messages.toSend(message);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            try {
                // The post's b'\0abstract_socket': a leading NUL byte makes the name abstract.
                client.connect(AFUNIXSocketAddress.of(("\0" + name).getBytes(StandardCharsets.UTF_8)));
            } catch (SocketException e) {
                throw new IOException("cannot connect to @" + SocketAddresses.shown(name) + ": " + e.getMessage());
            }
            client.getOutputStream().write(data); // the post's sendall()
        } // close() tells the server the message is complete
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new AbstractClient(), args));
    }
}
