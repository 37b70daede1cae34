import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's list of unix sockets in this network namespace, as /proc/net/unix shows it:
 * {@code Num RefCount Protocol Flags Type St Inode Path}. An abstract name is shown with a leading
 * '@' (and every NUL inside it as '@' too); an unnamed socket has no path.
 */
public final class ProcNetUnix {
    public static final Path FILE = Path.of("/proc/net/unix");
    private static final int LISTENING_FLAG = 0x10000;
    // The path is everything after the one space that follows the inode: it may hold spaces.
    private static final Pattern ROW = Pattern.compile(
            "^\\S+: \\p{XDigit}+ \\p{XDigit}+ (\\p{XDigit}+) (\\p{XDigit}+) (\\p{XDigit}+) +(\\d+)(?: (.*))?$");

    /**
     * One socket: its type (1 stream, 2 datagram, 5 seqpacket), state (1 unconnected, 2 connecting,
     * 3 connected), inode and address: the bytes the kernel wrote, one char a byte ("" when unnamed).
     */
    public record Row(int type, int state, boolean listening, long inode, String addressBytes) {
        /** The address read as UTF-8. */
        public String path() {
            return new String(addressBytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        }

        public boolean isAbstract() {
            return addressBytes.startsWith("@");
        }

        public boolean isUnnamed() {
            return addressBytes.isEmpty();
        }
    }

    private ProcNetUnix() {}

    public static List<Row> read() throws IOException {
        List<Row> rows = new ArrayList<>();
        // Addresses are bytes, not always UTF-8: keep them as they are, one char a byte.
        String[] lines = new String(Files.readAllBytes(FILE), StandardCharsets.ISO_8859_1).split("\n");
        for (int i = 1; i < lines.length; i++) { // line 0 is the header
            Matcher m = ROW.matcher(lines[i]);
            if (m.matches()) {
                rows.add(new Row(Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                        (Integer.parseInt(m.group(1), 16) & LISTENING_FLAG) != 0,
                        Long.parseLong(m.group(4)), m.group(5) == null ? "" : m.group(5)));
            }
        }
        return rows;
    }

    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_SEQPACKET = 5;

    /**
     * Whether a socket of this type is bound to this address, as /proc/net/unix shows it ("@name" or
     * a path). Linux keeps abstract names apart by type: a stream socket and a datagram socket may
     * both hold @name.
     */
    public static boolean isBound(String shownAddress, int type) throws IOException {
        return read().stream().anyMatch(row -> row.type() == type && row.path().equals(shownAddress));
    }

    /** Whether a socket of any type is bound to this address. */
    public static boolean isBound(String shownAddress) throws IOException {
        return read().stream().anyMatch(row -> row.path().equals(shownAddress));
    }
}
