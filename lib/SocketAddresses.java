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

    /**
     * An abstract socket name, without its leading NUL: 1 to 107 bytes. The kernel allows any byte
     * in it, NUL too: \0 on the command line stands for a NUL, \\ for a backslash.
     */
    public static final class AbstractNameConverter implements ITypeConverter<String> {
        @Override
        public String convert(String written) {
            StringBuilder name = new StringBuilder(written.length());
            for (int i = 0; i < written.length(); i++) {
                char c = written.charAt(i);
                boolean escape = c == '\\' && i + 1 < written.length() && "0\\".indexOf(written.charAt(i + 1)) >= 0;
                name.append(escape ? (written.charAt(++i) == '0' ? '\0' : '\\') : c);
            }
            check("an abstract name", name.toString(), "the leading NUL");
            return name.toString();
        }
    }

    /** An abstract name as ss and /proc/net/unix show it: every NUL as @. */
    public static String shown(String abstractName) {
        return abstractName.replace('\0', '@');
    }

    /** An address as ss prints it: @name for an abstract socket, anything else a path; each checked as above. */
    public static final class AddressConverter implements ITypeConverter<String> {
        @Override
        public String convert(String address) {
            if (isAbstract(address)) {
                abstractName(address);
            } else {
                new PathnameConverter().convert(address);
            }
            return address;
        }
    }

    public static boolean isAbstract(String address) {
        return address.startsWith("@");
    }

    /** The abstract name that "@name" stands for. */
    public static String abstractName(String address) {
        return new AbstractNameConverter().convert(address.substring(1));
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
