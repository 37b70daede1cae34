///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/Messages.java ../lib/SocketAddresses.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's client.py: connects to a pathname socket and sends one message.

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pathname-client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang pathname-client@catalog --path /tmp/demo/server.sock \"hello\""},
        description = "Connects to a pathname socket and sends one message, as the post's client.py does.")
class PathnameClient implements Callable<Integer> {
    @Option(names = "--path", paramLabel = "PATH", converter = SocketAddresses.PathnameConverter.class,
            description = "Socket file of the server (default: ${DEFAULT-VALUE}).")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Parameters(paramLabel = "MESSAGE", arity = "0..1",
            description = "Message to send, or - to send standard input (default: ${DEFAULT-VALUE}).")
    String message = "Hello, server! This is the client.";

    @Override
    public Integer call() throws Exception {
        byte[] data = Messages.toSend(message);
        try (AFUNIXSocket client = AFUNIXSocket.newInstance()) {
            try {
                client.connect(AFUNIXSocketAddress.of(path));
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + path + ": " + e.getMessage());
            }
            System.out.println("Connected to server at " + path);
            client.getOutputStream().write(data); // the post's sendall()
        } // close() tells the server the message is complete
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new PathnameClient(), args));
    }
}
