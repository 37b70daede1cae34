import java.io.ByteArrayOutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An ADDRESS as the kit's tools take it, and as ss prints it: @NAME is an abstract socket (a NUL
 * byte, then NAME), anything else a path. Any byte can be written in the kit's notation
 * (docs/escapes.md): @a\x00b is a name with a NUL inside. sun_path holds 108 bytes: a path needs its
 * closing NUL, a name its leading one, so either has 1 to 107 bytes.
 */
public final class Address {
    private final boolean isAbstract;
    private final byte[] bytes; // the path, or the name without its leading NUL

    private Address(boolean isAbstract, byte[] bytes) {
        this.isAbstract = isAbstract;
        this.bytes = bytes;
    }

    /** Reads ADDRESS; an IllegalArgumentException says what is wrong with it. */
    public static Address parse(String written) {
        boolean isAbstract = written.startsWith("@");
        byte[] bytes = unescaped(isAbstract ? written.substring(1) : written);
        String what = isAbstract ? "an abstract name" : "a socket path";
        if (bytes.length == 0 || bytes.length > 107) {
            throw new IllegalArgumentException(what + " must be 1 to 107 bytes (sun_path holds 108, with "
                    + (isAbstract ? "the leading" : "the closing") + " NUL), not " + bytes.length);
        }
        if (!isAbstract) {
            String path = new String(bytes, StandardCharsets.UTF_8);
            if (!Arrays.equals(path.getBytes(StandardCharsets.UTF_8), bytes) || path.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a socket path must be UTF-8 text without a NUL");
            }
            if (Path.of(path).getFileName() == null) {
                throw new IllegalArgumentException("a socket path must name a file, not " + written);
            }
        }
        return new Address(isAbstract, bytes);
    }

    public boolean isAbstract() {
        return isAbstract;
    }

    /** The socket file's path; only for a pathname address. */
    public Path path() {
        if (isAbstract) {
            throw new IllegalStateException("an abstract address has no path");
        }
        return Path.of(new String(bytes, StandardCharsets.UTF_8));
    }

    /** The abstract name without its leading NUL, or the path, as bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The address as junixsocket takes it: for an abstract name, a NUL byte first. */
    public AFUNIXSocketAddress socketAddress() throws SocketException {
        if (!isAbstract) {
            return AFUNIXSocketAddress.of(path());
        }
        byte[] address = new byte[bytes.length + 1]; // address[0] stays 0: the leading NUL
        System.arraycopy(bytes, 0, address, 1, bytes.length);
        return AFUNIXSocketAddress.of(address);
    }

    /** As the tools print it: @NAME or the path, in the kit's notation. */
    @Override
    public String toString() {
        return (isAbstract ? "@" : "") + LessonCopies.escaped(bytes);
    }

    private static final Pattern ESCAPE = Pattern.compile("\\\\(\\\\|n|x\\p{XDigit}{2}|u\\{\\p{XDigit}{1,6}\\})");

    /** The bytes that TEXT, in the kit's notation, stands for; a backslash that starts no escape is refused. */
    static byte[] unescaped(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Matcher escape = ESCAPE.matcher(text);
        int done = 0;
        while (escape.find()) {
            bytes.writeBytes(plain(text.substring(done, escape.start())));
            String code = escape.group(1);
            if (code.startsWith("x")) {
                bytes.write(Integer.parseInt(code.substring(1), 16));
            } else if (code.startsWith("u")) {
                int codePoint = Integer.parseInt(code.substring(2, code.length() - 1), 16);
                if (!Character.isValidCodePoint(codePoint) || Character.getType(codePoint) == Character.SURROGATE) {
                    throw new IllegalArgumentException("\\" + code + " is not a code point");
                }
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
            } else {
                bytes.write(code.equals("n") ? '\n' : '\\');
            }
            done = escape.end();
        }
        bytes.writeBytes(plain(text.substring(done)));
        return bytes.toByteArray();
    }

    private static byte[] plain(String text) {
        if (text.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("a backslash starts an escape: \\\\, \\n, \\xHH or \\u{H}, not " + text.substring(text.indexOf('\\')));
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** picocli: an ADDRESS parameter, refused with one line when it is not one. */
    public static final class Converter implements ITypeConverter<Address> {
        @Override
        public Address convert(String written) {
            try {
                return parse(written);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
