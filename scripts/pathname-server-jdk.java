///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java
//DESCRIPTION The post's server.py with the JDK alone (Java 16+): a stream server on a pathname socket, no junixsocket.

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "pathname-server-jdk", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang pathname-server-jdk@catalog --abstract demo"},
        description = {"The pathname server with the JDK alone (java.net.UnixDomainSocketAddress,",
            "Java 16+): listens on a pathname socket and prints what each client sends,",
            "as the post's server.py does. It serves one client at a time. Like",
            "pathname-server it removes only a stale socket file, and its own as it ends.",
            "--abstract shows why the kit needs junixsocket: the JDK refuses abstract names."})
class PathnameServerJdk implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--path", paramLabel = "PATH", converter = SocketAddresses.PathnameConverter.class,
            description = "Socket file to create (default: ${DEFAULT-VALUE}). A missing parent folder is created with mode 0700.")
    Path path = Path.of("/tmp/test/pathname_socket.sock");

    @Option(names = "--abstract", paramLabel = "NAME", converter = SocketAddresses.AbstractNameConverter.class,
            description = "Try the abstract name NAME instead: the JDK refuses it (exit 1).")
    String abstractName;

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Clients to serve before exiting; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    int count = 1;

    @Override
    public Integer call() throws Exception {
        if (abstractName != null && spec.commandLine().getParseResult().hasMatchedOption("--path")) {
            throw new ParameterException(spec.commandLine(), "--path and --abstract exclude each other");
        }
        UnixDomainSocketAddress address;
        try {
            // The post's b'\0abstract_socket' as the JDK would take it: a path that starts with a NUL.
            address = abstractName != null ? UnixDomainSocketAddress.of("\0" + abstractName) : UnixDomainSocketAddress.of(path);
        } catch (InvalidPathException e) {
            throw new IOException("the JDK cannot bind an abstract name: UnixDomainSocketAddress.of(\"\\0"
                    + abstractName.replace("\0", "\\0") + "\") fails with \"" + e.getReason()
                    + "\"; that is why the kit uses junixsocket (abstract-server)");
        }

        if (abstractName == null) {
            SocketFiles.prepareToBind(path); // only a dead server's socket file goes
        }
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                server.bind(address); // bind() creates the socket file, and listens; it never replaces a file
            } catch (SocketException e) {
                throw new IOException("cannot bind " + path + ": " + e.getMessage());
            }
            SocketFiles.removeOnExit(path); // the JDK leaves the file when the socket closes: ours to remove
            System.out.println("Server listening on " + path);

            for (int served = 0; count == 0 || served < count; served++) {
                SocketChannel client = server.accept();
                System.out.println("Accepted connection from client");
                try (client) {
                    // Read until the client closes, as the post's recv() would not.
                    byte[] data = Channels.newInputStream(client).readAllBytes();
                    System.out.println("Received data from client: " + Messages.printable(data));
                } catch (IOException e) {
                    System.err.println("pathname-server-jdk: a client failed: " + e.getMessage());
                }
            }
        }
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new PathnameServerJdk(), args));
    }
}
