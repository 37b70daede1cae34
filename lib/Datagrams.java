import java.net.DatagramPacket;
import java.net.SocketException;
import java.util.Arrays;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The plumbing of the datagram scripts: who sent a datagram (junixsocket hands it over wrapped,
 * and an abstract name padded), how to show that address, and the server's answer.
 */
public final class Datagrams {
    /** The largest --max-size: far more than the kernel lets one unix datagram carry by default (net.core.wmem_max). */
    public static final int MAX_SIZE_LIMIT = 16 * 1024 * 1024;

    private Datagrams() {}

    /**
     * The address a received datagram came from, or null when the sender did not bind one. junixsocket
     * wraps it in an InetAddress (unwrap it), and returns an abstract name padded with NULs to 107
     * bytes: the kernel knows no such name, so a reply to it is refused. Trailing NULs are cut off
     * (so a name that really ends in NUL is answered at the name without them).
     */
    public static AFUNIXSocketAddress sender(DatagramPacket packet) throws SocketException {
        if (packet.getAddress() == null) {
            return null; // an unbound socket sent it: there is nowhere to answer
        }
        AFUNIXSocketAddress padded = AFUNIXSocketAddress.unwrap(packet.getAddress(), packet.getPort());
        if (!padded.isInAbstractNamespace()) {
            return padded; // a path ends at its first NUL already
        }
        byte[] name = padded.getPathAsBytes();
        int length = name.length;
        while (length > 1 && name[length - 1] == 0) {
            length--;
        }
        return AFUNIXSocketAddress.of(Arrays.copyOf(name, length));
    }

    /** An address as ss shows it: @name for an abstract one (a NUL inside as @), a path, or (unnamed). */
    public static String shown(AFUNIXSocketAddress address) {
        if (address == null) {
            return "(unnamed)";
        }
        byte[] bytes = address.getPathAsBytes();
        if (address.isInAbstractNamespace()) {
            bytes = bytes.clone();
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = bytes[i] == 0 ? (byte) '@' : bytes[i];
            }
        }
        return Messages.printable(bytes); // a sender chooses its name: print it safely
    }

    /** The answer: the datagram in upper case, byte by byte as C's toupper() and Python's bytes.upper() do (ASCII letters only). */
    public static byte[] upperCase(byte[] data, int length) {
        byte[] upper = Arrays.copyOf(data, length);
        for (int i = 0; i < length; i++) {
            if (upper[i] >= 'a' && upper[i] <= 'z') {
                upper[i] -= 'a' - 'A';
            }
        }
        return upper;
    }

    /**
     * Whether a SocketTimeoutException from receive() came before the timeout: junixsocket reports
     * an empty (0-byte) datagram as a timeout, at once. {@code timeoutMillis} 0: no timeout at all.
     */
    public static boolean isEmptyDatagram(long receiveStartNanos, int timeoutMillis) {
        long waitedMillis = (System.nanoTime() - receiveStartNanos) / 1_000_000;
        return timeoutMillis == 0 || waitedMillis < timeoutMillis;
    }

    /** A datagram size such as --max-size: 1 to MAX_SIZE_LIMIT bytes. */
    public static final class SizeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int size = new Cli.NonNegative().convert(value);
            if (size < 1 || size > MAX_SIZE_LIMIT) {
                throw new TypeConversionException("must be 1 to " + MAX_SIZE_LIMIT + " bytes, not " + size);
            }
            return size;
        }
    }
}
