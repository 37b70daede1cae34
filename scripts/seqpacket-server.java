///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/AddressNotation.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION A SOCK_SEQPACKET server: connections like a stream, but records kept whole and in order.

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFDatagramSocket;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

@Command(name = "seqpacket-server", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang seqpacket-server@catalog @demo-seqpacket --buffer 8"},
        description = {"Listens on a SOCK_SEQPACKET socket and prints each record a client sends.",
            "Like a stream it is connection-oriented: listen, accept, and an end when",
            "the client closes. Like datagrams it keeps records: each send() is one",
            "record, and one read returns one whole record, never part of one, never two.",
            "A record longer than the reader's buffer is cut: the rest of it is gone.",
            "An empty record reads as the end: recv() returns 0 bytes for both."})
class SeqpacketServer implements Callable<Integer> {
    static final int MAX_BUFFER = 1 << 20;

    @Parameters(paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
            description = "Where to listen, as ss shows it: @name for an abstract socket, anything else a path "
                    + "(a missing parent folder is created with mode 0700).")
    String address;

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Clients to serve, one after the other, before exiting; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    int count = 1;

    @Option(names = "--buffer", paramLabel = "BYTES", converter = SeqpacketServer.BufferSize.class,
            description = "The reader's buffer: 1 to " + MAX_BUFFER + " bytes; a longer record is cut (default: ${DEFAULT-VALUE}).")
    int buffer = 1024;

    @Override
    public Integer call() throws Exception {
        AFUNIXSocketAddress socketAddress = AddressNotation.of(address);
        String shown = AddressNotation.shown(address);
        Path path = SocketAddresses.isAbstract(address) ? null : Path.of(address);
        // Make sure the address is free first: junixsocket's bind, on a taken address, would connect to
        // the server there to find out, and that server would count it as a client.
        if (path != null) {
            SocketFiles.prepareToBind(path); // only a dead server's socket file goes
        } else if (ProcNetUnix.isBound(shown, ProcNetUnix.SOCK_SEQPACKET)) {
            // An abstract name is taken per socket type: a stream socket's @name does not stop us.
            throw new IOException(shown + " is already in use by another SOCK_SEQPACKET socket");
        }

        // socket(AF_UNIX, SOCK_SEQPACKET, 0): junixsocket makes it as a datagram socket of that type.
        try (AFUNIXDatagramSocket server = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET)) {
            server.setReuseAddress(false); // never take over a live server's path (the default for this type)
            try {
                server.bind(socketAddress);
            } catch (SocketException e) {
                throw new IOException("cannot bind " + shown + ": " + e.getMessage());
            }
            if (path != null) {
                SocketFiles.removeOnExit(path); // also on Ctrl-C and SIGTERM
            }
            server.listen(50); // connection-oriented, as a stream: listen(), then accept() each client
            System.out.println("Server listening on " + shown + " (SOCK_SEQPACKET); each record is read into a buffer of "
                    + buffer + " bytes");

            // One byte more than --buffer, as a tell-tale: junixsocket does not pass on the kernel's MSG_TRUNC
            // flag, so a read that fills this last byte is how we learn the record was longer than --buffer.
            ByteBuffer received = ByteBuffer.allocate(buffer + 1);
            for (int served = 0; count == 0 || served < count; served++) {
                AFDatagramSocket<AFUNIXSocketAddress> client = server.accept();
                System.out.println("Accepted connection from client");
                try (client) {
                    int records = 0;
                    while (true) {
                        received.clear();
                        int length = client.getChannel().read(received); // one read returns one whole record
                        if (length < 0) {
                            break; // recv() returned 0 bytes: the client closed (or sent an empty record)
                        }
                        records++;
                        System.out.println("Record " + records + ": "
                                + Messages.printable(Arrays.copyOf(received.array(), Math.min(length, buffer))));
                        if (length > buffer) {
                            // The kernel copied what fitted and dropped the rest: the next read gets the next record.
                            System.out.println("Record " + records + " was longer than " + buffer + " bytes: the rest of it is gone");
                        }
                    }
                    System.out.println("Client closed the connection after " + records + (records == 1 ? " record" : " records"));
                } catch (IOException e) {
                    System.err.println("seqpacket-server: a client failed: " + e.getMessage());
                }
            }
        }
        return 0;
    }

    /** --buffer: a whole number of bytes, 1 to MAX_BUFFER. */
    static final class BufferSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int bytes = new Cli.NonNegative().convert(value);
            if (bytes < 1 || bytes > MAX_BUFFER) {
                throw new TypeConversionException("must be 1 to " + MAX_BUFFER + " bytes, not " + bytes);
            }
            return bytes;
        }
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new SeqpacketServer(), args));
    }
}
