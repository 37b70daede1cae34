import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The unix sockets of this network namespace as `ss -x -a -p` shows them, from /proc alone:
 * /proc/net/unix for type, state, address and inode, /proc/PID/fd for the owners.
 */
public final class SocketTable {
    /** One socket, in ss's words: u_str/u_dgr/u_seq, LISTEN/ESTAB/UNCONN/..., the address (* when unnamed). */
    public record Socket(String netid, String state, String address, long inode,
                         List<SocketOwners.Owner> owners, boolean ownersComplete) {
        public boolean isAbstract() {
            return address.startsWith("@");
        }

        public boolean isPathname() {
            return !isAbstract() && !"*".equals(address);
        }

        /** name,pid=N,fd=N for each owner; "?" when none was seen but some processes could not be read. */
        public String ownersText() {
            if (owners.isEmpty()) {
                return ownersComplete ? "-" : "?";
            }
            return owners.stream().map(SocketOwners.Owner::toString).collect(Collectors.joining(" "));
        }
    }

    public static final String HEADER = String.format("%-6s %-10s %9s  %-44s %s", "Netid", "State", "Inode", "Local Address", "Process");

    private SocketTable() {}

    public static List<Socket> read() throws IOException {
        List<ProcNetUnix.Row> rows = ProcNetUnix.read();
        SocketOwners owners = SocketOwners.scan();
        return rows.stream().map(row -> socket(row, row.inode() == 0 ? List.of() : owners.of(row.inode()), owners.complete()))
                .toList();
    }

    /** A row of /proc/net/unix as ss shows it, before its owners are known (they take a scan of every /proc/PID/fd). */
    public static Socket withoutOwners(ProcNetUnix.Row row) {
        return socket(row, List.of(), false);
    }

    private static Socket socket(ProcNetUnix.Row row, List<SocketOwners.Owner> owners, boolean ownersComplete) {
        return new Socket(netid(row.type()), state(row), address(row), row.inode(), owners, ownersComplete);
    }

    public static String line(Socket socket) {
        return String.format("%-6s %-10s %9d  %-44s %s", socket.netid(), socket.state(), socket.inode(),
                socket.address(), socket.ownersText());
    }

    private static String netid(int type) {
        return switch (type) {
            case 1 -> "u_str";
            case 2 -> "u_dgr";
            case 5 -> "u_seq";
            default -> "u_" + type;
        };
    }

    /** The kernel's socket state (SS_*), named as ss names it; CONNECTING is a connection not yet accepted. */
    private static String state(ProcNetUnix.Row row) {
        if (row.listening()) {
            return "LISTEN";
        }
        return switch (row.state()) {
            case 1 -> "UNCONN";
            case 2 -> "CONNECTING";
            case 3 -> "ESTAB";
            case 4 -> "CLOSING";
            default -> "STATE-" + row.state();
        };
    }

    /** The address as ss prints it: the path, @name (NULs inside shown as @, as /proc does), or * when unnamed; odd bytes escaped. */
    private static String address(ProcNetUnix.Row row) {
        return row.isUnnamed() ? "*" : Messages.printable(row.addressBytes().getBytes(StandardCharsets.ISO_8859_1));
    }
}
