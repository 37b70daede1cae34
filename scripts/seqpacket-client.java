///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/AddressNotation.java ../lib/Messages.java ../lib/SocketAddresses.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION A SOCK_SEQPACKET client: connects, sends each RECORD as one record, and closes.

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "seqpacket-client", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang seqpacket-client@catalog @demo-seqpacket short \"a longer record\""},
        description = {"Connects to a SOCK_SEQPACKET socket, sends each RECORD as one record, and",
            "closes. The server reads each record whole and in order, one read a record:",
            "records never merge as writes on a stream do."})
class SeqpacketClient implements Callable<Integer> {
    static final List<String> DEFAULT_RECORDS = List.of("first record", "second", "the third and last record");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
            description = "The server, as ss shows it: @name for an abstract socket, anything else a path.")
    String address;

    @Parameters(index = "1..*", paramLabel = "RECORD",
            description = "Records to send, one send() each, not empty; - sends standard input as one record "
                    + "(default: 'first record' 'second' 'the third and last record').")
    List<String> records;

    @Override
    public Integer call() throws Exception {
        List<byte[]> toSend = new ArrayList<>();
        for (String record : records == null ? DEFAULT_RECORDS : records) {
            byte[] data = Messages.toSend(record); // "-": all of standard input, as one record
            if (data.length == 0) {
                throw new ParameterException(spec.commandLine(),
                        "a RECORD must not be empty: the server would read it as the end of the connection");
            }
            toSend.add(data);
        }
        String shown = AddressNotation.shown(address);

        // socket(AF_UNIX, SOCK_SEQPACKET, 0), then connect(): a connection, as with a stream.
        try (AFUNIXDatagramSocket client = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET)) {
            try {
                client.connect(AddressNotation.of(address));
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + shown + ": " + e.getMessage());
            }
            System.out.println("Connected to server at " + shown);
            for (int n = 1; n <= toSend.size(); n++) {
                byte[] data = toSend.get(n - 1);
                try {
                    client.getChannel().write(ByteBuffer.wrap(data)); // one send(), one record: all of it or nothing
                } catch (SocketException e) {
                    throw new IOException("cannot send record " + n + " (" + data.length + " bytes): " + e.getMessage());
                }
                System.out.println("Sent record " + n + ": " + Messages.printable(data));
            }
        } // close(): the server's next read returns 0 bytes, the end
        return 0;
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new SeqpacketClient(), args));
    }
}
