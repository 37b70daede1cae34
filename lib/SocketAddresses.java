import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks socket addresses before they reach the kernel. An address lives in sockaddr_un's
 * 108-byte sun_path: a path needs a closing NUL, an abstract name an opening one, so either may
 * use at most 107 bytes. (junixsocket would cut a longer path short and bind somewhere else.)
 */
public final class SocketAddresses {
    public static final int SUN_PATH_BYTES = 108;
    public static final int MAX_ADDRESS_BYTES = SUN_PATH_BYTES - 1;

    private SocketAddresses() {}

    /** A socket path: 1 to 107 bytes. */
    public static final class PathnameConverter implements ITypeConverter<Path> {
        @Override
        public Path convert(String path) {
            check("a socket path", path, "the closing NUL");
            return Path.of(path);
        }
    }

    /** An abstract socket name, without its leading NUL: 1 to 107 bytes. */
    public static final class AbstractNameConverter implements ITypeConverter<String> {
        @Override
        public String convert(String name) {
            check("an abstract name", name, "the leading NUL");
            return name;
        }
    }

    /** An address as ss prints it: @name for an abstract socket, anything else a path; each checked as above. */
    public static final class AddressConverter implements ITypeConverter<String> {
        @Override
        public String convert(String address) {
            if (isAbstract(address)) {
                new AbstractNameConverter().convert(abstractName(address));
            } else {
                new PathnameConverter().convert(address);
            }
            return address;
        }
    }

    public static boolean isAbstract(String address) {
        return address.startsWith("@");
    }

    /** "@name" without its "@". */
    public static String abstractName(String address) {
        return address.substring(1);
    }

    private static void check(String what, String address, String nul) {
        int bytes = address.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_ADDRESS_BYTES) {
            throw new TypeConversionException(String.format(
                    "%s must be 1 to %d bytes (sun_path holds %d, with %s), not %d",
                    what, MAX_ADDRESS_BYTES, SUN_PATH_BYTES, nul, bytes));
        }
    }
}
