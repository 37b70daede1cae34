///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS net.java.dev.jna:jna:5.19.1
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's step 3: what `ss -x -a -p` and `ls -l /proc/PID/fd` show, asked of the kernel as ss asks it (netlink).

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.*;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

// Lists the machine's unix sockets as `ss -x -a -p` does, and each connection with both its ends.
// The one thing to learn: /proc/net/unix is text, and a name may hold a newline; the kernel's own
// answer over netlink (NETLINK_SOCK_DIAG, unix_diag) gives every name with its length, and the peer.
@Command(name = "inspector", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {
            "Lists unix sockets as ss -x -a -p does, asking the kernel over netlink as ss does.",
            "Columns as in ss: Netid, State, Recv-Q and Send-Q (on a listener: clients waiting to be accepted, and the backlog),"
                    + " Local Address:Port (the name and the socket's inode), Peer Address:Port (* and the peer's inode; 0: none),"
                    + " Process: \"name\",pid=N,fd=N for each holder, as ss writes them in users:((...)); a \" in a name shows as \\x22.",
            "",
            "Names are exact: the kernel sends each with its length (NETLINK_SOCK_DIAG, unix_diag)."
                    + " Names, process names and file names are printed escaped (\\n, \\xHH, \\\\, \\u{H}),"
                    + " so none can move the cursor or start a line. An abstract name is @ and its bytes, a NUL inside it \\x00 (where ss prints @).",
            "[file gone] or [file replaced]: the file that bind() made for this pathname socket was removed or replaced;"
                    + " clients connecting to the path fail (ENOENT) or reach something else, while the server still listens.",
            "A client not accepted yet is ESTAB with peer 0; --peers shows its listener.",
            "Owners of another user's sockets are ? unless you are root.",
            "",
            "Without netlink (no permission, an old kernel, seccomp, no JNA) it reads /proc/net/unix and says so on stderr:"
                    + " there a name may hold a newline and a forged row, a NUL shows as @, and peers and queues are unknown (?)."},
        footer = {"", "Examples:", "  jbang inspector.java --listening --abstract", "  jbang inspector.java --peers @abstract_socket",
            "  jbang inspector.java --fd 1234", "  jbang inspector.java --watch pathname_socket",
            "  jbang inspector.java --wait=30 --listening @abstract_socket"})
class Inspector implements Callable<Integer> {
    @Option(names = "--listening", description = "Only listening sockets.")
    boolean listening;

    @Option(names = "--connected", description = "Only connected sockets (ESTAB): with --wait, waits for an accepted connection.")
    boolean connected;

    @Option(names = "--abstract", description = "Only abstract sockets (@name).")
    boolean abstractOnly;

    @Option(names = "--pathname", description = "Only pathname sockets (a file).")
    boolean pathnameOnly;

    @Option(names = "--pid", paramLabel = "PID", description = "Only sockets that process PID holds.")
    Integer pid;

    @Option(names = "--peers", description = "Each connection as one line with both ends and their processes:"
            + " <-> when each end is the other's peer, <-- when the right end is connected to the left one (a client"
            + " not yet accepted by its listener, a datagram socket's connect()). A line shows if either end matches.")
    boolean peers;

    @Option(names = "--fd", paramLabel = "PID",
            description = "Every file descriptor of PID and what it links to; for a socket, what it is and its peer (the post's ls -l /proc/PID/fd).")
    Integer fdPid;

    @Option(names = "--json", description = "JSON instead of a table, for scripts (names in the same escaped notation).")
    boolean json;

    @Option(names = "--proc", description = "Read /proc/net/unix instead of asking the kernel over netlink (what the"
            + " inspector falls back to): names may be ambiguous there, peers and queues are unknown.")
    boolean procOnly;

    @Option(names = "--watch", paramLabel = "SECONDS", arity = "0..1", fallbackValue = "1",
            description = "Redraw every SECONDS (default 1) until stopped, to watch sockets appear and vanish.")
    Double watchSeconds;

    @Option(names = "--wait", paramLabel = "SECONDS", arity = "0..1", preprocessor = AttachedOnly.class,
            description = "Wait until at least one socket matches (up to SECONDS, default " + WAIT_SECONDS + ": --wait=SECONDS), then list"
                    + " as usual; exit 1 with one line on stderr if none did, or at once if the process --pid names ended."
                    + " For scripts that start a server, then a client.")
    Double waitSeconds;

    // A minute: a server's first run under JBang is resolved and compiled first, seconds on a busy machine.
    static final String WAIT_SECONDS = "60";

    @Parameters(paramLabel = "PATTERN", arity = "0..1",
            description = "Only addresses (as printed) that match this regular expression (a part of it is enough).")
    Pattern pattern;

    @Spec
    CommandSpec spec;

    /** --wait takes its SECONDS only as --wait=SECONDS: in `--wait @name`, @name is the pattern. */
    static final class AttachedOnly implements IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec command, ArgSpec option, Map<String, Object> info) {
            if (!"=".equals(info.get("separator"))) {
                args.push(WAIT_SECONDS);
            }
            return false; // picocli goes on, and reads the seconds from the stack
        }
    }

    @Override
    public Integer call() throws Exception {
        checkSeconds("--watch", watchSeconds);
        checkSeconds("--wait", waitSeconds);
        if (waitSeconds != null && (fdPid != null || watchSeconds != null)) {
            throw new ParameterException(spec.commandLine(), "--wait lists sockets once: it goes with neither --fd nor --watch");
        }
        if (waitSeconds != null) {
            waitForMatch();
        }
        if (watchSeconds == null) {
            render().forEach(System.out::println);
            return 0;
        }
        while (true) {
            List<String> screen = render();
            System.out.print("\033[H\033[2J"); // home, clear screen: the only control bytes the inspector prints
            System.out.println("Every " + shown(watchSeconds) + "s, until stopped (Ctrl-C)");
            screen.forEach(System.out::println);
            Thread.sleep((long) (watchSeconds * 1000));
        }
    }

    private void checkSeconds(String option, Double seconds) {
        if (seconds != null && !(seconds > 0 && seconds <= 86400)) { // NaN fails both
            throw new ParameterException(spec.commandLine(), option + " takes a number of seconds over 0 (at most 86400), not " + shown(seconds));
        }
    }

    /** 10.0 as 10, 0.5 as 0.5. */
    private static String shown(double seconds) {
        return seconds == Math.rint(seconds) && Math.abs(seconds) < 1e15 ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    /**
     * Asks the kernel until a socket passes the filters. Each poll is one netlink dump, which is cheap;
     * the owners (a scan of every /proc/PID/fd) are read only once a socket could match.
     */
    private void waitForMatch() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
        while (true) {
            List<Sock> sockets = readSockets(procOnly);
            if (sockets.stream().anyMatch(this::wantedByName)) {
                Owners owners = Owners.scan();
                if (sockets.stream().anyMatch(s -> wanted(s, owners))) {
                    return;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("no socket matched within " + shown(waitSeconds) + (waitSeconds == 1 ? " second" : " seconds"));
            }
            if (pid != null && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) { // a server that failed: no need to wait on
                throw new IOException("process " + pid + " is not running, and no socket of its matched");
            }
            Thread.sleep(25); // about 40 dumps a second: quick to notice, and no core kept busy
        }
    }

    /** Every filter but --pid: what the kernel's answer alone tells, without the owners. */
    private boolean wantedByName(Sock s) {
        return (!listening || s.state() == LISTEN)
                && (!connected || s.state() == ESTABLISHED)
                && (!abstractOnly || s.isAbstract())
                && (!pathnameOnly || s.isPathname())
                && (pattern == null || pattern.matcher(s.address()).find());
    }

    private boolean wanted(Sock s, Owners owners) {
        return wantedByName(s) && (pid == null || owners.of(s.inode()).stream().anyMatch(o -> o.pid() == pid));
    }

    /** What one listing prints, as lines: the table, --peers, --fd, or their JSON. */
    List<String> render() throws IOException {
        List<Sock> sockets = readSockets(procOnly);
        if (fdPid != null) {
            return fileDescriptors(fdPid, sockets, Owners.scan());
        }
        // The owners take a scan of every /proc/PID/fd: skipped when no socket can match anyway.
        Owners owners = sockets.stream().anyMatch(this::wantedByName) || peers ? Owners.scan() : Owners.NONE;
        if (peers) {
            return connections(sockets, owners);
        }
        List<Sock> shown = sockets.stream().filter(s -> wanted(s, owners))
                .sorted(Comparator.comparing((Sock s) -> s.name() == null).thenComparing(Sock::address).thenComparingLong(Sock::inode))
                .toList();
        if (json) {
            return List.of(jsonArray(shown.stream().map(s -> toJson(s, owners)).toList()));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process"});
        shown.forEach(s -> rows.add(new String[] {s.netid(), s.stateName(), count(s.recvQ()), count(s.sendQ()),
            s.address() + " " + s.inode(), "* " + count(s.peer()), owners.text(s.inode()) + fileMark(s)}));
        return aligned(rows);
    }

    // ==== Reading the kernel: netlink (sock_diag), as ss does; /proc/net/unix when netlink fails ====

    // Socket states as the kernel reports them over netlink (the TCP numbers; ss names them).
    static final int ESTABLISHED = 1;
    static final int UNCONNECTED = 7;
    static final int LISTEN = 10;

    /**
     * One unix socket as the kernel describes it. name: the address's exact bytes (an abstract one starts
     * with its NUL; null when unnamed). peer: the peer's inode (0: none yet). pending: the inodes of the
     * clients a listener has not accepted yet. fileDev/fileInode: the socket file that bind() made (-1: none).
     * A value the kernel did not give (the /proc fallback) is -1, or null.
     */
    record Sock(int type, int state, long inode, byte[] name, long peer, long[] pending, long recvQ, long sendQ,
                long fileDev, long fileInode, long uid, String address) {
        /** address: as printed: * when unnamed, @ and the escaped bytes for an abstract name, the escaped path otherwise. */
        static Sock of(int type, int state, long inode, byte[] name, long peer, long[] pending, long recvQ, long sendQ,
                       long fileDev, long fileInode, long uid) {
            String address = name == null ? "*" : name.length > 0 && name[0] == 0 ? "@" + escaped(Arrays.copyOfRange(name, 1, name.length)) : escaped(name);
            return new Sock(type, state, inode, name, peer, pending, recvQ, sendQ, fileDev, fileInode, uid, address);
        }

        boolean isAbstract() {
            return name != null && name.length > 0 && name[0] == 0;
        }

        boolean isPathname() {
            return name != null && !isAbstract();
        }

        String netid() {
            return switch (type) {
                case 1 -> "u_str";
                case 2 -> "u_dgr";
                case 5 -> "u_seq";
                default -> "u_" + type;
            };
        }

        /** ss's names for the kernel's states. */
        String stateName() {
            return switch (state) {
                case ESTABLISHED -> "ESTAB";
                case 2 -> "SYN-SENT";
                case UNCONNECTED -> "UNCONN";
                case LISTEN -> "LISTEN";
                case 11 -> "CLOSING";
                default -> "STATE-" + state;
            };
        }
    }

    private static boolean warned;

    /** The kernel's unix sockets: over netlink, or from /proc/net/unix (with one line on stderr) when asked or when netlink fails. */
    static List<Sock> readSockets(boolean procOnly) throws IOException {
        String why = "--proc";
        if (!procOnly) {
            try {
                return Netlink.dump();
            } catch (IOException | LinkageError unavailable) { // LinkageError: JNA could not load its native library
                why = "netlink unavailable: " + (unavailable.getMessage() == null ? unavailable.getClass().getSimpleName() : unavailable.getMessage());
            }
        }
        if (!warned) { // once, also when --watch redraws
            warned = true;
            System.err.println("inspector: reading /proc/net/unix (" + escaped(why.getBytes(StandardCharsets.UTF_8)) + "): names may be"
                    + " ambiguous there (a name may hold a newline and a forged row; a NUL shows as @), and peers and queues are unknown");
        }
        return ProcNetUnix.read();
    }

    /** libc's socket calls through JNA: the JDK has no AF_NETLINK. Registered (and JNA loaded) on first use. */
    static final class LibC {
        static {
            Native.register(LibC.class, Platform.C_LIBRARY_NAME);
        }

        static native int socket(int domain, int type, int protocol) throws LastErrorException;

        static native NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength) throws LastErrorException;

        static native NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags) throws LastErrorException;

        static native NativeLong readlink(String path, byte[] buffer, NativeLong size) throws LastErrorException;

        static native int close(int fd);

        static native String strerror(int errno);
    }

    /**
     * One dump of every unix socket, as ss asks for it (iproute2 misc/ss.c, unix_show_netlink): a
     * sock_diag request (linux/sock_diag.h, linux/unix_diag.h), then the kernel's multipart answer,
     * one message per socket, each followed by attributes (type, length, value).
     */
    static final class Netlink {
        static final int AF_UNIX = 1, AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_SOCK_DIAG = 4;
        static final int NLMSG_ERROR = 2, NLMSG_DONE = 3, SOCK_DIAG_BY_FAMILY = 20, MSG_TRUNC = 0x20;
        static final short NLM_F_REQUEST = 0x1, NLM_F_DUMP = 0x300;
        static final int UDIAG_SHOW_NAME = 0x1, UDIAG_SHOW_VFS = 0x2, UDIAG_SHOW_PEER = 0x4, UDIAG_SHOW_ICONS = 0x8,
                UDIAG_SHOW_RQLEN = 0x10, UDIAG_SHOW_UID = 0x40;
        static final int UNIX_DIAG_NAME = 0, UNIX_DIAG_VFS = 1, UNIX_DIAG_PEER = 2, UNIX_DIAG_ICONS = 3, UNIX_DIAG_RQLEN = 4, UNIX_DIAG_UID = 7;
        static final int SEQUENCE = 0x75647300; // "uds": answers carry it back

        static List<Sock> dump() throws IOException {
            int fd = call(() -> LibC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), "socket(AF_NETLINK)");
            try {
                ByteBuffer request = ByteBuffer.allocate(16 + 24).order(ByteOrder.nativeOrder());
                request.putInt(16 + 24).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
                        .putInt(SEQUENCE).putInt(0); // struct nlmsghdr: length, type, flags, sequence, port (0: the kernel)
                request.put((byte) AF_UNIX).put((byte) 0).putShort((short) 0).putInt(-1) // struct unix_diag_req: every state,
                        .putInt(0).putInt(UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS // any inode
                                | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID).putInt(-1).putInt(-1); // no cookie
                byte[] kernel = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).putShort((short) AF_NETLINK).array(); // sockaddr_nl, port 0
                call(() -> LibC.sendto(fd, request.array(), new NativeLong(request.capacity()), 0, kernel, kernel.length).longValue(), "sendto(sock_diag)");

                List<Sock> sockets = new ArrayList<>();
                byte[] buffer = new byte[64 * 1024]; // the kernel sends at most 32 KiB of messages at a time
                while (true) {
                    int length = call(() -> LibC.recv(fd, buffer, new NativeLong(buffer.length), MSG_TRUNC).longValue(), "recv(sock_diag)");
                    if (length > buffer.length) {
                        throw new IOException("a netlink answer of " + length + " bytes did not fit in " + buffer.length);
                    }
                    ByteBuffer in = ByteBuffer.wrap(buffer, 0, length).order(ByteOrder.nativeOrder());
                    for (int at = 0; at + 16 <= length; ) {
                        int size = in.getInt(at), type = in.getShort(at + 4) & 0xffff, sequence = in.getInt(at + 8);
                        if (size < 16 || size > length - at) {
                            throw new IOException("a malformed netlink message (" + size + " bytes)");
                        }
                        if (sequence == SEQUENCE) {
                            if (type == NLMSG_ERROR || (type == NLMSG_DONE && size >= 20 && in.getInt(at + 16) < 0)) {
                                throw new IOException(LibC.strerror(-in.getInt(at + 16)) + " (sock_diag for AF_UNIX)");
                            }
                            if (type == NLMSG_DONE) {
                                return sockets;
                            }
                            if (type == SOCK_DIAG_BY_FAMILY && size >= 32) {
                                sockets.add(socket(in, at, size));
                            }
                        }
                        at += (size + 3) & ~3;
                    }
                }
            } finally {
                LibC.close(fd);
            }
        }

        /** struct unix_diag_msg (family, type, state, pad, inode, cookie), then its attributes. */
        private static Sock socket(ByteBuffer in, int at, int size) {
            int type = in.get(at + 17) & 0xff, state = in.get(at + 18) & 0xff;
            long inode = in.getInt(at + 20) & 0xffffffffL;
            byte[] name = null;
            long peer = 0, recvQ = -1, sendQ = -1, fileDev = -1, fileInode = -1, uid = -1;
            long[] pending = null;
            for (int a = at + 32; a + 4 <= at + size; ) {
                int length = in.getShort(a) & 0xffff, kind = in.getShort(a + 2) & 0x3fff; // without NLA_F_NESTED, NLA_F_NET_BYTEORDER
                if (length < 4 || a + length > at + size) {
                    break;
                }
                int value = a + 4, bytes = length - 4;
                switch (kind) {
                    case UNIX_DIAG_NAME -> name = name(in, value, bytes);
                    case UNIX_DIAG_VFS -> {
                        fileInode = u32(in, value);
                        fileDev = u32(in, value + 4);
                    }
                    case UNIX_DIAG_PEER -> peer = u32(in, value);
                    case UNIX_DIAG_ICONS -> {
                        pending = new long[bytes / 4];
                        Arrays.setAll(pending, i -> u32(in, value + 4 * i));
                    }
                    case UNIX_DIAG_RQLEN -> {
                        recvQ = u32(in, value);
                        sendQ = u32(in, value + 4);
                    }
                    case UNIX_DIAG_UID -> uid = u32(in, value);
                    default -> { } // MEMINFO, SHUTDOWN, and what later kernels add
                }
                a += (length + 3) & ~3;
            }
            return Sock.of(type, state, inode, name, peer, pending, recvQ, sendQ, fileDev, fileInode, uid);
        }

        /** An abstract name is every byte the kernel sends (its NUL first); a path ends at its first NUL. */
        private static byte[] name(ByteBuffer in, int at, int length) {
            byte[] name = new byte[length];
            in.get(at, name);
            if (length > 0 && name[0] == 0) {
                return name;
            }
            int end = 0;
            while (end < length && name[end] != 0) {
                end++;
            }
            return Arrays.copyOf(name, end);
        }

        private static long u32(ByteBuffer in, int at) {
            return in.getInt(at) & 0xffffffffL;
        }

        interface NativeCall {
            long run() throws LastErrorException;
        }

        /** A libc call whose failure becomes an IOException that names the call and the error (strerror). */
        private static int call(NativeCall call, String what) throws IOException {
            try {
                return (int) call.run();
            } catch (LastErrorException e) {
                throw new IOException(what + ": " + LibC.strerror(e.getErrorCode()));
            }
        }
    }

    /**
     * The fallback: /proc/net/unix, `Num RefCount Protocol Flags Type St Inode Path`. It is text, a row a
     * line, and a name may hold a newline: what follows it reads as a row of its own. NULs show as @.
     */
    static final class ProcNetUnix {
        private static final Pattern ROW = Pattern.compile(
                "^\\S+: \\p{XDigit}+ \\p{XDigit}+ (\\p{XDigit}+) (\\p{XDigit}+) (\\p{XDigit}+) +(\\d+)(?: (.*))?$", Pattern.MULTILINE);

        static List<Sock> read() throws IOException {
            String table = new String(Files.readAllBytes(Path.of("/proc/net/unix")), StandardCharsets.ISO_8859_1); // a char a byte
            List<Sock> sockets = new ArrayList<>();
            Matcher row = ROW.matcher(table);
            while (row.find()) {
                long inode = Long.parseLong(row.group(4));
                if (inode == 0) {
                    continue; // a connection not accepted yet: netlink (and ss) do not list it either
                }
                boolean listening = (Integer.parseInt(row.group(1), 16) & 0x10000) != 0;
                int st = Integer.parseInt(row.group(3), 16);
                String path = row.group(5) == null ? "" : row.group(5);
                byte[] name = path.isEmpty() ? null : path.getBytes(StandardCharsets.ISO_8859_1);
                if (name != null && name[0] == '@') {
                    name[0] = 0; // only the first: an @ further on may have been a NUL, or an @
                }
                int state = listening ? LISTEN : st == 3 ? ESTABLISHED : st == 1 ? UNCONNECTED : 0;
                sockets.add(Sock.of(Integer.parseInt(row.group(2), 16), state, inode, name, -1, null, -1, -1, -1, -1, -1));
            }
            return sockets;
        }
    }

    // ==== Finding owners: every /proc/PID/fd/N that links to socket:[INODE], as ss -p finds them ====

    /** A process holding a socket: its name (/proc/PID/comm, which any process sets for itself; escaped), pid and fd. */
    record Owner(String name, int pid, int fd) {
        /** "name",pid=N,fd=N as ss writes an owner: quoted, and a quote in the name escaped, so no name reads as more owners. */
        @Override
        public String toString() {
            return "\"" + name.replace("\"", "\\x22") + "\",pid=" + pid + ",fd=" + fd;
        }
    }

    /**
     * Which processes hold which sockets. A process may exit while it is read, and a user who is not root
     * cannot read other users' fd folders: neither is an error, the scan just knows less (complete).
     */
    static final class Owners {
        static final Owners NONE = new Owners();
        final Map<Long, List<Owner>> byInode = new HashMap<>();
        boolean complete = true;

        static Owners scan() throws IOException {
            Owners owners = new Owners();
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path process : processes) {
                    owners.scanProcess(process);
                }
            }
            return owners;
        }

        List<Owner> of(long inode) {
            return byInode.getOrDefault(inode, List.of());
        }

        /** "name",pid=N,fd=N for each owner; - when none, ? when none was seen but some processes could not be read. */
        String text(long inode) {
            List<Owner> found = of(inode);
            return found.isEmpty() ? (complete && this != NONE ? "-" : "?") : found.stream().map(Owner::toString).collect(Collectors.joining(" "));
        }

        private void scanProcess(Path process) {
            int pid = Integer.parseInt(process.getFileName().toString());
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                String name = null; // read once a process, when it holds a socket
                for (Path fd : fds) {
                    long inode = socketInode(readLink(fd));
                    if (inode > 0) {
                        if (name == null) {
                            name = escaped(commandName(process));
                        }
                        byInode.computeIfAbsent(inode, i -> new ArrayList<>(1)).add(new Owner(name, pid, Integer.parseInt(fd.getFileName().toString())));
                    }
                }
            } catch (NoSuchFileException | DirectoryIteratorException exited) {
                // the process ended while we looked (before or while its fd folder was read): it owns nothing any more
            } catch (IOException notOurs) {
                complete = false; // another user's process, and we are not root
            }
        }

        /** The inode a file descriptor's link names, if it is a socket: "socket:[1234]" gives 1234, anything else 0. */
        static long socketInode(String linkTarget) {
            return linkTarget.startsWith("socket:[") && linkTarget.endsWith("]") ? Long.parseLong(linkTarget.substring(8, linkTarget.length() - 1)) : 0;
        }

        private static String readLink(Path fd) {
            try {
                return Files.readSymbolicLink(fd).toString();
            } catch (IOException closedMeanwhile) {
                return "";
            }
        }

        private static byte[] commandName(Path process) {
            try {
                byte[] comm = Files.readAllBytes(process.resolve("comm"));
                return Arrays.copyOf(comm, comm.length > 0 && comm[comm.length - 1] == '\n' ? comm.length - 1 : comm.length);
            } catch (IOException exited) {
                return "?".getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * What is at a pathname socket's path now: "same" (the file bind() made), "gone", "replaced" (another
     * file), or "unknown" (a relative path, or one this user may not look at). Null for other sockets.
     */
    static String fileNow(Sock s) {
        if (s.fileInode() < 0 || !s.isPathname()) {
            return null;
        }
        Charset fileNames = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        String path = new String(s.name(), fileNames);
        if (s.name()[0] != '/' || !Arrays.equals(path.getBytes(fileNames), s.name())) {
            return "unknown"; // relative to the folder the server was in; or bytes Java cannot name
        }
        try {
            Map<String, Object> file = Files.readAttributes(Path.of(path), "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            // The kernel sends 32 bits of the inode (udiag_vfs_ino is a __u32); st_ino has 64 (XFS inode64, overlayfs' xino).
            boolean sameInode = ((Long) file.get("ino") & 0xffffffffL) == s.fileInode();
            return sameInode && (Long) file.get("dev") == statDev(s.fileDev()) ? "same" : "replaced";
        } catch (NoSuchFileException gone) {
            return "gone";
        } catch (IOException | InvalidPathException notForUs) {
            return "unknown";
        }
    }

    /** The kernel's device number (major << 20 | minor) as stat() encodes it, glibc's makedev(). */
    static long statDev(long kernelDev) {
        long major = kernelDev >>> 20, minor = kernelDev & 0xfffff;
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
    }

    private static String fileMark(Sock s) {
        String now = fileNow(s);
        return "gone".equals(now) || "replaced".equals(now) ? "  [file " + now + "]" : "";
    }

    // ==== Printing: the table (above, in render), --peers, --fd, --json ====

    /** A count the kernel gave, or ? where it gave none (the /proc fallback). */
    private static String count(long value) {
        return value < 0 ? "?" : Long.toString(value);
    }

    /** Rows in columns as wide as their widest cell, two spaces apart; the last column is not padded. */
    private static List<String> aligned(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        rows.forEach(row -> Arrays.setAll(widths, i -> Math.max(widths[i], row[i].length())));
        return rows.stream().map(row -> {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]).append(i == row.length - 1 ? "" : " ".repeat(widths[i] - row[i].length() + 2));
            }
            return line.toString().stripTrailing();
        }).toList();
    }

    /** One connection: the left end (the named one, or the one a client is connected to) and the right end. */
    record Connection(Sock left, long leftInode, String link, Sock right, long rightInode, String note) {}

    /** --peers: each connection once, with both ends and their owners. */
    private List<String> connections(List<Sock> sockets, Owners owners) {
        Map<Long, Sock> byInode = new HashMap<>();
        sockets.forEach(s -> byInode.put(s.inode(), s));
        List<Connection> found = new ArrayList<>();
        for (Sock s : sockets) {
            for (long client : s.pending() == null ? new long[0] : s.pending()) {
                found.add(new Connection(s, s.inode(), "<--", byInode.get(client), client, "not yet accepted"));
            }
            if (s.peer() <= 0) {
                continue;
            }
            Sock other = byInode.get(s.peer());
            if (other != null && other.peer() == s.inode()) {
                boolean sFirst = s.name() != null && other.name() == null
                        || (s.name() == null) == (other.name() == null) && s.inode() < other.inode();
                if (sFirst) {
                    found.add(new Connection(s, s.inode(), "<->", other, other.inode(),
                            s.name() == null && other.name() == null ? "socketpair" : ""));
                }
            } else {
                found.add(new Connection(other, s.peer(), "<--", s, s.inode(), ""));
            }
        }
        List<Connection> shown = found.stream()
                .filter(c -> c.left() != null && wanted(c.left(), owners) || c.right() != null && wanted(c.right(), owners))
                .sorted(Comparator.comparing((Connection c) -> c.left() == null ? "?" : c.left().address()).thenComparingLong(Connection::leftInode)
                        .thenComparingLong(Connection::rightInode))
                .toList();
        if (json) {
            return List.of(jsonArray(shown.stream().map(c -> "{\"netid\": " + quote(end(c.left(), c.right()).netid())
                    + ", \"link\": " + quote(c.link()) + ", \"note\": " + (c.note().isEmpty() ? "null" : quote(c.note()))
                    + ", \"left\": " + (c.left() == null ? "{\"inode\": " + c.leftInode() + "}" : toJson(c.left(), owners))
                    + ", \"right\": " + (c.right() == null ? "{\"inode\": " + c.rightInode() + "}" : toJson(c.right(), owners)) + "}").toList()));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Netid", "State", "Address:Port", "Process", "", "Peer Address:Port", "Peer Process", ""});
        for (Connection c : shown) {
            rows.add(new String[] {end(c.left(), c.right()).netid(), c.left() == null ? "?" : c.left().stateName(),
                (c.left() == null ? "?" : c.left().address()) + " " + c.leftInode(), owners.text(c.leftInode()) + (c.left() == null ? "" : fileMark(c.left())),
                c.link(), (c.right() == null ? "?" : c.right().address()) + " " + c.rightInode(), owners.text(c.rightInode()), c.note()});
        }
        return aligned(rows);
    }

    private static Sock end(Sock left, Sock right) {
        return left != null ? left : right;
    }

    /** The post's `ls -l /proc/PID/fd`, each socket explained, with its peer and the peer's owners. */
    private List<String> fileDescriptors(int pid, List<Sock> sockets, Owners owners) throws IOException {
        Map<Long, Sock> byInode = new HashMap<>();
        sockets.forEach(s -> byInode.put(s.inode(), s));
        Path fds = Path.of("/proc", Integer.toString(pid), "fd");
        List<String[]> rows = new ArrayList<>();
        List<String> jsonRows = new ArrayList<>();
        rows.add(new String[] {"FD", "Target", "Socket"});
        List<Path> entries;
        try (var list = Files.list(fds)) {
            entries = list.sorted(Comparator.comparingInt((Path fd) -> Integer.parseInt(fd.getFileName().toString()))).toList();
        } catch (NoSuchFileException | UncheckedIOException noProcess) { // none, or it ended while its fd folder was read
            throw new IOException("no process " + pid);
        }
        for (Path fd : entries) {
            byte[] target = linkTarget(fd);
            if (target == null) {
                continue; // closed meanwhile
            }
            String text = new String(target, StandardCharsets.ISO_8859_1);
            Sock s = byInode.get(Owners.socketInode(text));
            String socket = "";
            if (s != null) {
                socket = s.netid() + " " + s.stateName() + " " + s.address();
                if (s.peer() > 0) {
                    Sock peer = byInode.get(s.peer());
                    socket += "  <->  " + (peer == null ? "?" : peer.address()) + " " + s.peer() + " " + owners.text(s.peer());
                }
                if (s.pending() != null && s.pending().length > 0) {
                    socket += "  <--  " + s.pending().length + " not yet accepted";
                }
                socket += fileMark(s);
            }
            rows.add(new String[] {fd.getFileName().toString(), escaped(target), socket});
            jsonRows.add("{\"fd\": " + fd.getFileName() + ", \"target\": " + quote(escaped(target)) + ", \"socket\": "
                    + (s == null ? "null" : toJson(s, owners)) + "}");
        }
        return json ? List.of(jsonArray(jsonRows)) : aligned(rows);
    }

    /** A link's target as bytes, exactly (readlink through JNA; the JDK would decode a file name it cannot read); null if gone. */
    private static byte[] linkTarget(Path link) {
        try {
            byte[] buffer = new byte[4096];
            int length = LibC.readlink(link.toString(), buffer, new NativeLong(buffer.length)).intValue();
            return Arrays.copyOf(buffer, length);
        } catch (LastErrorException closedMeanwhile) {
            return null;
        } catch (LinkageError noJna) {
            try {
                return Files.readSymbolicLink(link).toString().getBytes(StandardCharsets.UTF_8);
            } catch (IOException closedMeanwhile) {
                return null;
            }
        }
    }

    private static String toJson(Sock s, Owners owners) {
        String fileNow = fileNow(s);
        return "{\"netid\": " + quote(s.netid()) + ", \"state\": " + quote(s.stateName())
                + ", \"recv_q\": " + json(s.recvQ()) + ", \"send_q\": " + json(s.sendQ())
                + ", \"address\": " + quote(s.address()) + ", \"abstract\": " + s.isAbstract() + ", \"inode\": " + s.inode()
                + ", \"peer\": " + json(s.peer())
                + ", \"pending\": " + (s.pending() == null ? "null" : Arrays.stream(s.pending()).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]")))
                + ", \"uid\": " + json(s.uid())
                + ", \"file\": " + (s.fileInode() < 0 ? "null" : "{\"dev\": " + quote((s.fileDev() >>> 20) + ":" + (s.fileDev() & 0xfffff))
                        + ", \"inode\": " + s.fileInode() + ", \"now\": " + quote(fileNow) + "}")
                + ", \"owners\": " + owners.of(s.inode()).stream()
                        .map(o -> "{\"name\": " + quote(o.name()) + ", \"pid\": " + o.pid() + ", \"fd\": " + o.fd() + "}")
                        .collect(Collectors.joining(", ", "[", "]"))
                + ", \"owners_complete\": " + (owners.complete && owners != Owners.NONE) + "}";
    }

    private static String json(long value) {
        return value < 0 ? "null" : Long.toString(value);
    }

    private static String jsonArray(List<String> elements) {
        return elements.isEmpty() ? "[]" : elements.stream().collect(Collectors.joining(",\n  ", "[\n  ", "\n]"));
    }

    /** A JSON string of already escaped text: only " and \ are left to escape. */
    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // ==== For the kit's tour (lib/Tour.java): one listener, as `inspector --listening ADDRESS` shows it ====

    /** The lines `inspector --listening ADDRESS` prints, and the fd by which PID holds that listener. */
    record Listener(List<String> lines, int fd, long inode) {}

    /** The listener at ADDRESS (as printed: a path or @name) that process PID holds, if there is one. */
    static Optional<Listener> listenerHeldBy(String address, long pid) throws IOException {
        Inspector inspector = new Inspector();
        inspector.listening = true;
        inspector.pattern = Pattern.compile("^" + Pattern.quote(address) + "$");
        inspector.pid = (int) pid;
        Owners owners = Owners.scan();
        for (Sock s : readSockets(false)) {
            Optional<Owner> owner = owners.of(s.inode()).stream().filter(o -> o.pid() == pid).findFirst();
            if (inspector.wanted(s, owners) && owner.isPresent()) {
                return Optional.of(new Listener(inspector.render(), owner.get().fd(), s.inode()));
            }
        }
        return Optional.empty();
    }

    /** Whether any socket has this address (as printed: a path or @name). */
    static boolean inUse(String address) throws IOException {
        return readSockets(false).stream().anyMatch(s -> s.address().equals(address));
    }

    // ==== The lessons' own pieces, repeated on purpose (tests/fixtures/repeated_methods.py) ====

    /** Bytes from others as one line that cannot move the cursor or forge a line (the notation: docs/escapes.md). */
    static String escaped(byte[] bytes) {
        boolean utf8 = Arrays.equals(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), bytes);
        String text = new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1); // not UTF-8: bytes
        return Pattern.compile(utf8 ? "[\\\\\\p{C}\\p{Zl}\\p{Zp}]" : "[\\\\\\p{C}\\x80-\\xff]").matcher(text).replaceAll(m -> {
            int c = m.group().codePointAt(0);
            String escape = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c < 0x80 || !utf8 ? String.format("\\x%02x", c) : String.format("\\u{%x}", c);
            return Matcher.quoteReplacement(escape);
        });
    }

    public static void main(String... args) {
        CommandLine cli = new CommandLine(new Inspector());
        cli.setExpandAtFiles(false); // @name is an abstract address, never a file of arguments to read
        // One line on stderr, never a stack trace: exit 2 for bad input, 1 for a failure at run time.
        cli.setParameterExceptionHandler((e, arguments) -> fail(cli, e, 2));
        cli.setExecutionExceptionHandler((e, command, parsed) -> fail(cli, e, 1));
        System.exit(cli.execute(args));
    }

    static int fail(CommandLine cli, Exception e, int status) {
        // The JDK's file exceptions name only the file: say what is wrong with it too.
        String message = e instanceof java.nio.file.NoSuchFileException ? e.getMessage() + ": no such file or folder"
                : e instanceof java.nio.file.AccessDeniedException ? e.getMessage() + ": permission denied"
                : e instanceof java.nio.file.FileAlreadyExistsException ? e.getMessage() + ": already exists" : String.valueOf(e.getMessage());
        System.err.println(cli.getCommandName() + ": " + escaped(message.getBytes(StandardCharsets.UTF_8)));
        return status;
    }
}
