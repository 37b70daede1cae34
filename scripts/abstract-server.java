///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/ClientThreads.java ../lib/Messages.java ../lib/PeerOptions.java ../lib/SocketAddresses.java ../lib/ProcNetUnix.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's server_abstract.py: a stream server on an abstract socket, a name in no file system.

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "abstract-server", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang abstract-server@catalog --name demo --credentials"},
        description = "Listens on an abstract socket and prints what each client sends, as the post's server_abstract.py does.")
class AbstractServer implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", converter = SocketAddresses.AbstractNameConverter.class,
            description = {"Abstract name, without the leading NUL; ss shows it as @NAME (default: ${DEFAULT-VALUE}).",
                "A NUL inside it is written \\0 (ss shows it as @), a backslash \\\\."})
    String name = "abstract_socket";

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Clients to serve before exiting; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Mixin
    PeerOptions peers = new PeerOptions();

    @Override
    public Integer call() throws Exception {
        // The post's b'\0abstract_socket': the first byte of the address is NUL, so no file is made.
        AFUNIXSocketAddress address = AFUNIXSocketAddress.of(("\0" + name).getBytes(StandardCharsets.UTF_8));

        // No file to look at: ask the kernel (/proc/net/unix) whether a socket holds the name already.
        // (junixsocket's bind would find out by connecting, which the other server counts as a client.)
        if (ProcNetUnix.isBound("@" + SocketAddresses.shown(name), ProcNetUnix.SOCK_STREAM)) {
            throw new IOException("@" + SocketAddresses.shown(name) + " is already in use by another process");
        }

        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
                ClientThreads clients = new ClientThreads("abstract-server")) {
            try {
                server.bind(address); // bind and listen; there is no file to unlink first
            } catch (SocketException e) {
                throw new IOException("cannot bind @" + SocketAddresses.shown(name) + ": " + e.getMessage());
            }
            System.out.println("Server is listening for connections on abstract socket: " + SocketAddresses.shown(name));

            for (int served = 0; count == 0 || served < count; served++) {
                var client = server.accept();
                var peer = client.getPeerCredentials(); // SO_PEERCRED: who connected, in the kernel's words
                if (!peers.admit(client, peer)) {
                    continue; // refused (--allow-uid), and said so
                }
                System.out.println("Accepted connection from client" + peers.shown(peer));
                // Each client on a thread of its own; read until it closes, as the post's recv() would not.
                clients.start(client, in -> "Received data: " + Messages.printable(in.readAllBytes()));
            }
        } // the name vanishes with its last reference: this socket
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new AbstractServer(), args));
    }
}
