import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The kit's one address notation, the one ss prints: "@name" is an abstract socket (a NUL byte,
 * then the name), anything else a path. Check it first with SocketAddresses.AddressConverter.
 */
public final class AddressNotation {
    private AddressNotation() {}

    /** The junixsocket address that ADDRESS stands for. */
    public static AFUNIXSocketAddress of(String address) throws SocketException {
        if (SocketAddresses.isAbstract(address)) {
            return AFUNIXSocketAddress.of(("\0" + SocketAddresses.abstractName(address)).getBytes(StandardCharsets.UTF_8));
        }
        return AFUNIXSocketAddress.of(Path.of(address));
    }

    /** ADDRESS as ss shows it: a NUL inside an abstract name as @. */
    public static String shown(String address) {
        return SocketAddresses.isAbstract(address) ? "@" + SocketAddresses.shown(SocketAddresses.abstractName(address)) : address;
    }
}
