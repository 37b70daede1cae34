///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/ClientThreads.java ../lib/Messages.java ../lib/PeerOptions.java ../lib/SocketAddresses.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's server.py: a stream server on a pathname socket, a file in the file system.

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pathname-server", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang pathname-server@catalog --path /tmp/demo/server.sock --count 2"},
        description = "Listens on a pathname socket and prints what each client sends, as the post's server.py does.")
class PathnameServer implements Callable<Integer> {
    @Option(names = "--path", paramLabel = "PATH", converter = SocketAddresses.PathnameConverter.class,
            description = "Socket file to create (default: ${DEFAULT-VALUE}). A missing parent folder is created with mode 0700.")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Clients to serve before exiting; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    int count = 1;

    @Option(names = "--mode", paramLabel = "MODE", converter = SocketFiles.ModeConverter.class,
            description = "Permissions of the socket file in octal, e.g. 600 (default: 666 from junixsocket; connecting needs write permission).")
    SocketFiles.Mode mode;

    @Mixin
    PeerOptions peers = new PeerOptions();

    @Override
    public Integer call() throws Exception {
        // The post unlinks whatever is at the path; here only a dead server's socket file goes.
        SocketFiles.prepareToBind(path);

        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
                ClientThreads clients = new ClientThreads("pathname-server")) {
            server.setReuseAddress(false); // junixsocket would otherwise take over a live server's path
            try {
                server.bind(AFUNIXSocketAddress.of(path)); // bind() creates the socket file, and listens
            } catch (SocketException e) {
                throw new IOException("cannot bind " + path + ": " + e.getMessage());
            }
            SocketFiles.removeOnExit(path); // as the post's os.unlink(), also on Ctrl-C and SIGTERM
            if (mode != null) {
                Files.setPosixFilePermissions(path, mode.permissions()); // who may connect: whoever may write the file
            }
            System.out.println("Server listening on " + path);

            for (int served = 0; count == 0 || served < count; served++) {
                var client = server.accept();
                var peer = client.getPeerCredentials(); // SO_PEERCRED: who connected, in the kernel's words
                if (!peers.admit(client, peer)) {
                    continue; // refused (--allow-uid), and said so
                }
                System.out.println("Accepted connection from client" + peers.shown(peer));
                // Each client on a thread of its own; read until it closes, as the post's recv() would not.
                clients.start(client, in -> "Received data from client: " + Messages.printable(in.readAllBytes()));
            }
        }
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new PathnameServer(), args));
    }
}
