///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/AddressNotation.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java ../lib/Datagrams.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: sends each message as one datagram (SOCK_DGRAM) and prints the answer, as TLPI's ud_ucase_cl does.

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "datagram-client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang datagram-client@catalog @demo-datagram one two"},
        description = {"Sends each MESSAGE as one datagram (SOCK_DGRAM) to ADDRESS and prints the reply, as TLPI's ud_ucase_cl does.",
            "It binds an address of its own first: a datagram server answers to the sender's address."})
class DatagramClient implements Callable<Integer> {
    static final String DEFAULT_MESSAGE = "Hello, datagram socket!";
    static final int REPLY_SIZE = 65536;

    @Parameters(index = "0", paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
            description = "The server's address: @name (abstract) or a path, as ss shows it.")
    String address;

    @Parameters(index = "1..*", paramLabel = "MESSAGE",
            description = "Messages to send, one datagram each; - sends standard input as one (default: " + DEFAULT_MESSAGE + ").")
    List<String> messages;

    @Option(names = "--bind", paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
            description = "The client's own address, where the reply comes to (default: @datagram-client-PID). A path is removed on exit.")
    String bind;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Cli.NonNegative.class,
            description = "How long to wait for each reply; 0 waits for ever (default: ${DEFAULT-VALUE}).")
    int timeout = 5;

    @Override
    public Integer call() throws Exception {
        AFUNIXSocketAddress server = AddressNotation.of(address);
        String shownServer = AddressNotation.shown(address);
        String own = bind != null ? bind : "@datagram-client-" + ProcessHandle.current().pid();
        Path ownPath = SocketAddresses.isAbstract(own) ? null : Path.of(own);
        if (ownPath != null) {
            SocketFiles.prepareToBind(ownPath); // only a dead socket's file goes
        } else if (ProcNetUnix.isBound(AddressNotation.shown(own), ProcNetUnix.SOCK_DGRAM)) { // ask the kernel: junixsocket's bind would connect to the holder
            throw new IOException(AddressNotation.shown(own) + " is already in use by another datagram socket");
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout * 1000L);

        try (AFUNIXDatagramSocket client = AFUNIXDatagramSocket.newInstance()) { // socket(AF_UNIX, SOCK_DGRAM)
            try {
                // A datagram server answers to the sender's address: an unbound client would get no reply.
                client.bind(AddressNotation.of(own));
            } catch (SocketException e) {
                throw new IOException("cannot bind " + AddressNotation.shown(own) + ": " + e.getMessage());
            }
            if (ownPath != null) {
                SocketFiles.removeOnExit(ownPath); // closing a datagram socket leaves its file behind
            }
            client.setSoTimeout(timeoutMillis); // receive() waits this long at most (0: for ever)
            System.out.println("Client is bound to datagram socket: " + AddressNotation.shown(own));

            for (String message : messages == null ? List.of(DEFAULT_MESSAGE) : messages) {
                byte[] data = Messages.toSend(message);
                DatagramPacket datagram = new DatagramPacket(data, data.length);
                // junixsocket passes its addresses wrapped in an InetAddress: new DatagramPacket(data, n, server) throws.
                datagram.setAddress(server.wrapAddress());
                try {
                    client.send(datagram); // sendto(): one send = one datagram, to the address it names
                } catch (SocketException e) {
                    throw new IOException("cannot send to " + shownServer + ": " + e.getMessage());
                }
                System.out.println("Sent: " + Messages.printable(data));

                // An upper-case answer is as long as the message; one byte more tells a reply that was cut.
                byte[] buffer = new byte[Math.max(REPLY_SIZE, data.length) + 1];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                long start = System.nanoTime();
                try {
                    client.receive(reply); // one receive = one datagram: the answer to this message
                } catch (SocketTimeoutException e) {
                    if (!Datagrams.isEmptyDatagram(start, timeoutMillis)) {
                        throw new IOException("no reply from " + shownServer + " within " + timeout + " s");
                    }
                    reply.setLength(0); // junixsocket reports an empty datagram as a timeout, at once
                }
                if (reply.getLength() == buffer.length) {
                    throw new IOException("the reply from " + shownServer + " was longer than " + (buffer.length - 1) + " bytes: cut");
                }
                System.out.println("Reply: " + Messages.printable(Arrays.copyOf(buffer, reply.getLength())));
            }
        } // the abstract name vanishes with the socket; the shutdown hook removes a socket file
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new DatagramClient(), args));
    }
}
