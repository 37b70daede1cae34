///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: who is on the other end? Each client's pid, uid and gid as the kernel recorded them (SO_PEERCRED).

import java.io.*;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it, then connect as different users: for each client it prints the pid, uid and gid that the
// kernel recorded at connect(), and the client's command name; with --allow-uid, other users are sent
// away before a byte is read. An abstract name has no file permissions: anyone may connect to it, and
// the peer's credentials are how a server tells who did.
@Command(name = "peer-credentials", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Listens on @NAME or a path and prints who each client is (pid, uid, gid: SO_PEERCRED), then what it sends.",
            "An ADDRESS is written as ss prints it: @NAME is an abstract name, anything else a path."},
        footer = {"", "Example:", "  jbang peer-credentials.java @demo --allow-uid 0 --allow-uid 1000"})
class PeerCredentials implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", description = "Where to listen: @NAME or a path.")
    String address;

    @Option(names = "--allow-uid", paramLabel = "UID", description = "Serve only this user id (repeat for more); any other client is closed before a byte is read.")
    List<Long> allowedUids = new ArrayList<>();

    @Option(names = "--count", paramLabel = "N", description = "Clients to take (served or refused), then exit; 0 takes them until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Option(names = "--idle", paramLabel = "SECONDS", description = "Let a client go once it has sent nothing for SECONDS, so that the next one is served (default: ${DEFAULT-VALUE}).")
    int idleSeconds = 10;

    @Override
    public Integer call() throws IOException {
        if (unixAddress(address) == null || count < 0 || idleSeconds < 1 || idleSeconds > 86_400) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, in 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            bindListener(server, address, 128); // bind() and listen(128), with the care of the model servers
            System.out.println("Server listening on " + escaped(address.getBytes(StandardCharsets.UTF_8)));

            for (int taken = 0; count == 0 || taken < count; taken++) {
                try (AFUNIXSocket client = server.accept()) {
                    // getsockopt(SO_PEERCRED): the kernel recorded the client's pid, uid and gid when the client
                    // called connect(); the client sends nothing for it, so it cannot forge them. (The pid is as
                    // this pid namespace sees it, 0 if it cannot; that process may have exited since.)
                    // The JDK alone (16+) gives less: getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED) on a
                    // SocketChannel is a UnixDomainPrincipal, the user's and group's NAMES, and no pid.
                    AFUNIXSocketCredentials peer = client.getPeerCredentials();
                    String who = "pid=" + peer.getPid() + " uid=" + peer.getUid() + " gid=" + peer.getGid() + " command=" + commandName(peer.getPid());
                    if (!allowedUids.isEmpty() && !allowedUids.contains(peer.getUid())) {
                        System.out.println("Refused connection from " + who + ": uid not in --allow-uid");
                        continue; // close() before any recv(): whatever the client sent is dropped unread
                    }
                    System.out.println("Accepted connection from " + who);
                    // One client at a time: one that sends nothing may hold the others up for --idle s.
                    client.setSoTimeout(idleSeconds * 1000);
                    // recv() until the client closes; only the first 64 KiB is kept, the rest counted.
                    InputStream in = client.getInputStream();
                    byte[] data = in.readNBytes(65536);
                    long more = in.transferTo(OutputStream.nullOutputStream());
                    System.out.println("Received data: " + escaped(data) + (more == 0 ? "" : "... (" + (data.length + more) + " bytes)"));
                } catch (SocketTimeoutException silent) {
                    System.err.println("peer-credentials: a client was silent for " + idleSeconds + " seconds: let go");
                } catch (IOException e) { // a client that fails (a reset, say) does not end the server
                    System.err.println("peer-credentials: a client failed: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                }
            }
        } // close(): an abstract name vanishes; bindListener's shutdown hook removes a socket file
        return 0;
    }

    /** The command name in /proc/PID/comm, escaped: any process sets its own (prctl), so it is a claim, not a proof. */
    static String commandName(long pid) {
        try (InputStream in = Files.newInputStream(Path.of("/proc/" + pid + "/comm"))) {
            byte[] comm = in.readNBytes(64); // 15 bytes at most, and a newline
            return escaped(comm.length > 0 && comm[comm.length - 1] == '\n' ? Arrays.copyOf(comm, comm.length - 1) : comm);
        } catch (IOException gone) {
            return "?"; // the process has exited, or this process may not see it
        }
    }

    /** ADDRESS as ss writes it: @NAME is an abstract name (a NUL byte first), anything else a path; null if sun_path cannot hold it. */
    static AFUNIXSocketAddress unixAddress(String address) throws SocketException {
        boolean named = address.startsWith("@");
        byte[] bytes = (named ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: a NUL and a name of 1 to 107 bytes, or a path of 1 to 107 bytes and a closing NUL.
        if (bytes.length < (named ? 2 : 1) || bytes.length > (named ? 108 : 107)) {
            return null;
        }
        return named ? AFUNIXSocketAddress.of(bytes) : AFUNIXSocketAddress.of(Path.of(address));
    }

    /** bind() and listen() on ADDRESS as the model servers do: a name in use or a live file refused, a stale file removed, its own removed on exit. */
    static void bindListener(AFUNIXServerSocket server, String address, int backlog) throws IOException {
        if (!address.startsWith("@")) {
            removeStaleSocketFile(Path.of(address)); // the post unlinks whatever is there; only a dead server's socket file goes
        } else if (listedInKernelTable(address.substring(1), "0001")) { // junixsocket's bind() would connect to the holder
            throw new IOException(address + " is already in use");
        }
        server.setReuseAddress(false); // else junixsocket would move a live server's file away and take its path
        server.setDeleteOnClose(false); // else close() would delete whatever file is at the path by then
        try {
            server.bind(unixAddress(address), backlog);
        } catch (SocketException e) {
            throw new IOException("cannot bind " + address + ": " + e.getMessage());
        }
        if (!address.startsWith("@")) { // on every way out (Ctrl-C and SIGTERM too), and only of this very file
            Map<String, Object> ours = Files.readAttributes(Path.of(address), "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(Path.of(address), ours)));
        }
    }

    /** Removes the file at PATH only if it is a socket file that no socket is bound to any more. */
    static void removeStaleSocketFile(Path path) throws IOException {
        if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino", LinkOption.NOFOLLOW_LINKS);
        if (((Integer) file.get("mode") & 0170000) != 0140000) {
            throw new IOException(path + " exists and is not a socket: left untouched");
        }
        // A datagram socket's connect() finds out whether a socket is bound to the file without making a
        // connection that a live server would see: only ECONNREFUSED means that none is. junixsocket gives
        // EPROTOTYPE (a live stream or seqpacket socket) a type of its own, but ECONNREFUSED and EACCES
        // the same one, and strerror's words are translated: access(2) tells those two apart.
        try (AFUNIXDatagramSocket probe = AFUNIXDatagramSocket.newInstance()) {
            probe.connect(AFUNIXSocketAddress.of(path));
        } catch (SocketException e) {
            boolean refused = !(e instanceof OperationNotSupportedSocketException) && Files.isWritable(path);
            if (refused && file.equals(Files.readAttributes(path, "unix:mode,dev,ino", LinkOption.NOFOLLOW_LINKS))) {
                Files.delete(path);
                System.out.println("Removed stale socket file " + escaped(path.toString().getBytes(StandardCharsets.UTF_8)) + " (its server is gone)");
                return;
            }
        }
        throw new IOException(path + " is a live socket: left untouched");
    }

    /** Removes the socket file that bind() made, if the file at PATH is still that one: a socket, with every attribute in OURS the same. */
    static void removeOwnSocketFile(Path path, Map<String, Object> ours) {
        try {
            // Once our socket is closed and the file removed by another, ext4 gives its inode number to the next new
            // file: the time it was made (its mtime: nothing writes to a socket file) tells that file from ours.
            Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            boolean socket = ((Integer) file.get("mode") & 0170000) == 0140000;
            if (socket && ours.keySet().stream().allMatch(key -> ours.get(key).equals(file.get(key)))) {
                Files.delete(path);
            }
        } catch (IOException goneAlready) {
            // nothing of ours is left to remove
        }
    }

    /** Whether /proc/net/unix lists a socket of TYPE (0001 stream, 0002 datagram, 0005 seqpacket) bound to @NAME. */
    static boolean listedInKernelTable(String name, String type) throws IOException {
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1); // names are bytes
        String address = "@" + new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        // A row ends "Type St Inode Path" and a newline, which a name may hold too: search the whole text.
        return Pattern.compile(" " + type + " \\p{XDigit}{2} +\\d+ " + Pattern.quote(address) + "\n").matcher(table).find();
    }

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
        CommandLine cli = new CommandLine(new PeerCredentials());
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
