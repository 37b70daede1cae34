///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/AddressNotation.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java ../lib/Datagrams.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: a datagram (SOCK_DGRAM) server that answers each datagram in upper case, as TLPI's ud_ucase does.

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "datagram-server", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang datagram-server@catalog @demo-datagram"},
        description = {"Binds a datagram (SOCK_DGRAM) socket and answers each datagram in upper case, as TLPI's ud_ucase_sv does.",
            "No connections: each datagram comes with its sender's address, and the answer goes there."})
class DatagramServer implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", arity = "0..1", converter = SocketAddresses.AddressConverter.class,
            description = "@name (abstract) or a path, as ss shows it (default: ${DEFAULT-VALUE}).")
    String address = "@datagram_socket";

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Datagrams to receive before exiting; 0 receives until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Option(names = "--max-size", paramLabel = "BYTES", converter = Datagrams.SizeConverter.class,
            description = "Longest datagram taken whole; a longer one is reported as cut and not answered (default: ${DEFAULT-VALUE}).")
    int maxSize = 65536;

    @Override
    public Integer call() throws Exception {
        String shown = AddressNotation.shown(address);
        Path path = SocketAddresses.isAbstract(address) ? null : Path.of(address);
        if (path != null) {
            SocketFiles.prepareToBind(path); // only a dead server's socket file goes
        } else if (ProcNetUnix.isBound(shown, ProcNetUnix.SOCK_DGRAM)) { // ask the kernel: junixsocket's bind would connect to the holder
            throw new IOException(shown + " is already in use by another datagram socket");
        }

        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance()) { // socket(AF_UNIX, SOCK_DGRAM)
            try {
                server.bind(AddressNotation.of(address)); // an address to receive at: no listen(), no accept()
            } catch (SocketException e) {
                throw new IOException("cannot bind " + shown + ": " + e.getMessage());
            }
            if (path != null) {
                SocketFiles.removeOnExit(path); // closing a datagram socket leaves its file behind
            }
            System.out.println("Server is bound to datagram socket: " + shown);

            // One byte more than we take whole: a datagram that fills it was longer, and the kernel cut it.
            byte[] buffer = new byte[maxSize + 1];
            for (int received = 0; count == 0 || received < count; received++) {
                DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
                try {
                    server.receive(datagram); // one receive = one datagram, as it was sent, from whoever sent it
                } catch (SocketTimeoutException emptyDatagram) {
                    // There is no timeout here: junixsocket reports an empty datagram so, and drops its sender.
                    System.out.println("Received an empty datagram (junixsocket does not say from whom): not answered");
                    continue;
                }
                AFUNIXSocketAddress sender = Datagrams.sender(datagram); // null: the sender did not bind
                if (datagram.getLength() > maxSize) {
                    System.out.println("Datagram from " + Datagrams.shown(sender) + " was longer than " + maxSize + " bytes: cut, not answered");
                    continue;
                }
                System.out.println("Received datagram from " + Datagrams.shown(sender) + ": "
                        + Messages.printable(Arrays.copyOf(buffer, datagram.getLength())));
                if (sender == null) {
                    System.out.println("Not answered: the sender has no address");
                    continue;
                }
                answer(server, sender, Datagrams.upperCase(buffer, datagram.getLength()));
            }
        } // the abstract name vanishes with the socket; the shutdown hook removes a socket file
        return 0;
    }

    /** Sends the answer to the sender's address; a sender that is gone or does not read is reported, and the server goes on. */
    private static void answer(AFUNIXDatagramSocket server, AFUNIXSocketAddress sender, byte[] answer) throws IOException {
        // The kernel never drops a unix datagram: a sender waits while the receiver's queue is full. Do
        // not wait, or a client that does not read its answers would hold up the server for everyone.
        server.getChannel().configureBlocking(false);
        try {
            if (server.getChannel().send(ByteBuffer.wrap(answer), sender) == 0) {
                System.err.println("datagram-server: answer to " + Datagrams.shown(sender) + " dropped: its queue is full (it does not read)");
            }
        } catch (SocketException gone) { // "Connection refused", or "No such file or directory" for a removed file
            System.err.println("datagram-server: cannot answer " + Datagrams.shown(sender) + ": " + gone.getMessage());
        } finally {
            server.getChannel().configureBlocking(true);
        }
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new DatagramServer(), args));
    }
}
