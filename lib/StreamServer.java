import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.newsclub.net.unix.FileDescriptorCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * uds server: the post's two servers under one command, by ADDRESS, with what a server that anyone
 * on the machine can reach needs beyond the lessons: many clients at once (up to a cap), a mode for
 * its socket file that holds from the first client on, and who may connect.
 */
@Command(name = "server", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Listens on ADDRESS and prints what each client sends, many clients at once.",
            "It prints what the pathname-server and abstract-server lessons print. Each message is shown up to 64 KiB,"
                    + " with the count of all its bytes; a client that sends nothing for --idle seconds, or is not done after"
                    + " --max-time seconds in all (a byte now and then holds a slot no longer), is let go."
                    + " Out of file descriptors, it says so once and accepts again when they return."},
        footer = {"", "Examples:", "  uds server @demo", "  uds server /tmp/demo/app.sock --mode 600 --credentials",
            "  systemd-socket-activate -l @demo jbang uds server"})
public class StreamServer implements Callable<Integer> {
    static final int SHOWN_BYTES = 65536;

    @Parameters(paramLabel = "ADDRESS", arity = "0..1", converter = Address.Converter.class,
            description = "@NAME (abstract) or a path; a missing folder is made, mode 700. Without it, the socket systemd hands over on fd 3 (socket activation, LISTEN_FDS).")
    Address address;

    @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
            description = "Clients to serve, then exit; 0 serves until stopped (default: 1 for a path, as server.py; 0 for @NAME, as server_abstract.py).")
    Integer count;

    @Option(names = "--max-clients", paramLabel = "N", converter = Cli.Positive.class,
            description = "Clients served at once; the next ones wait in the kernel's listen queue (default: ${DEFAULT-VALUE}).")
    int maxClients = 64;

    @Option(names = "--idle", paramLabel = "SECONDS", converter = Cli.Positive.class,
            description = "Let a client go once it has sent nothing for SECONDS (default: ${DEFAULT-VALUE}, as the lessons).")
    int idleSeconds = 10;

    @Option(names = "--max-time", paramLabel = "SECONDS", converter = Cli.Positive.class,
            description = "Let a client go once it has taken SECONDS in all, however it trickles its bytes (default: ${DEFAULT-VALUE}).")
    int maxSeconds = 60;

    @Option(names = "--mode", paramLabel = "MODE", converter = FileMode.ModeConverter.class,
            description = "Permissions of the socket file in octal, e.g. 600; a client the mode would not let connect is refused even in the moment before it is set.")
    Integer mode;

    @Option(names = "--allow-uid", paramLabel = "UID", converter = Cli.NonNegative.class,
            description = "Serve only clients running as UID (repeatable); others are refused before a byte is read.")
    List<Integer> allowedUids = new ArrayList<>();

    @Option(names = "--credentials", description = "Show each client's pid, uid and gid, as the kernel saw them when it connected (SO_PEERCRED).")
    boolean showCredentials;

    private String receivedPrefix;

    @Override
    public Integer call() throws Exception {
        boolean handedOver = System.getenv("LISTEN_FDS") != null;
        if (address == null && !handedOver) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "ADDRESS is missing: @NAME or a path (or start it under socket activation, which sets LISTEN_FDS)");
        }
        if (address == null) {
            return serveHandedOver();
        }
        if (handedOver) {
            System.err.println("uds server: LISTEN_FDS is set, and ADDRESS is given: serving " + address + ", not the socket on fd 3");
        }
        if (mode != null && address.isAbstract()) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--mode is for a socket file: an abstract name has no permissions");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            Map<String, Object> file = address.isAbstract() ? null : bindPath(server);
            if (address.isAbstract()) {
                if (heldByStreamSocket(address.bytes())) { // junixsocket's bind() would connect to the holder
                    throw new IOException(address + " is already in use");
                }
                server.bind(address.socketAddress(), 128);
            }
            announce(address.isAbstract(), address.isAbstract() ? LessonCopies.escaped(address.bytes()) : address.toString());
            serve(server, count != null ? count : address.isAbstract() ? 0 : 1, file);
        }
        return 0;
    }

    /** The lessons' line once a server listens, on @NAME or a path: the clients' lines follow with the same lesson's words. */
    private void announce(boolean isAbstract, String shown) {
        receivedPrefix = isAbstract ? "Received data: " : "Received data from client: ";
        System.out.println(isAbstract ? "Server is listening for connections on abstract socket: " + shown : "Server listening on " + shown);
    }

    /**
     * Socket activation: the listening socket systemd made and hands over on fd 3, taken as the
     * socket-activation lesson takes it. No bind here, and systemd's socket file stays where it is.
     */
    private int serveHandedOver() throws Exception {
        picocli.CommandLine cli = new picocli.CommandLine(this);
        if (mode != null) {
            throw new picocli.CommandLine.ParameterException(cli, "--mode is for a socket file uds server makes: systemd made this one (SocketMode= in its .socket unit)");
        }
        SocketActivation.Fd3 fd3 = SocketActivation.handedOver(cli);
        if (!fd3.listening()) {
            throw new picocli.CommandLine.ParameterException(cli, "fd 3 is one client's connection (--accept): uds server serves a listening socket; the socket-activation lesson serves one connection");
        }
        try (AFUNIXServerSocket server = FileDescriptorCast.unsafeUsing(3).as(AFUNIXServerSocket.class)) {
            server.setDeleteOnClose(false); // systemd's file: close() must not remove it (junixsocket's would)
            AFUNIXSocketAddress bound = (AFUNIXSocketAddress) server.getLocalSocketAddress();
            System.out.println("fd 3 -> " + fd3.link() + ": handed over by socket activation");
            String shown = SocketActivation.shown(bound);
            announce(bound.isInAbstractNamespace(), bound.isInAbstractNamespace() ? shown.substring(1) : shown);
            serve(server, count != null ? count : bound.isInAbstractNamespace() ? 0 : 1, null);
        }
        return 0;
    }

    /**
     * Whether a stream socket holds @NAME, in the kernel's exact words. /proc/net/unix lists every name
     * held, so one it does not list is free (the lesson's check, a file read); but a name with a newline
     * can forge a row there, so one it lists is asked of the kernel over netlink, as the inspector asks,
     * where a name is its bytes. Only then is JNA loaded: it costs a start 70 ms.
     */
    private static boolean heldByStreamSocket(byte[] name) throws IOException {
        String text = new String(name, StandardCharsets.UTF_8);
        if (Arrays.equals(text.getBytes(StandardCharsets.UTF_8), name) && !AbstractServer.listedInKernelTable(text, "0001")) {
            return false;
        }
        byte[] address = new byte[name.length + 1]; // address[0] stays 0: the leading NUL
        System.arraycopy(name, 0, address, 1, name.length);
        return Inspector.readSockets(false).stream().anyMatch(socket -> socket.type() == 1 && Arrays.equals(socket.name(), address));
    }

    /** The pathname lesson's careful steps: a private folder if missing, only a stale socket removed, our file removed on every way out. */
    private Map<String, Object> bindPath(AFUNIXServerSocket server) throws IOException {
        Path path = address.path();
        Files.createDirectories(path.toAbsolutePath().getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        LessonCopies.removeStaleSocketFile(path);
        server.setReuseAddress(false); // else junixsocket would move a live server's file away and take its path
        server.setDeleteOnClose(false); // else close() would delete whatever file is at the path by then
        server.bind(address.socketAddress(), 128);
        Map<String, Object> ours = LessonCopies.ownSocketFile(path);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LessonCopies.removeOwnSocketFile(path, ours)));
        if (mode != null) {
            // From here the kernel refuses whom the mode excludes; before, admitted() below does.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions(mode)));
        }
        return Files.readAttributes(path, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Accepts clients and serves each on a thread of its own, at most --max-clients at once. When
     * accept() fails for want of resources (no file descriptor left: EMFILE), it says so once, waits a
     * little longer each time, and accepts again; the listening socket stays open throughout.
     */
    private void serve(AFUNIXServerSocket server, int clients, Map<String, Object> file) throws Exception {
        Semaphore slots = new Semaphore(maxClients);
        ExecutorService threads = Executors.newCachedThreadPool();
        boolean full = false;
        String starved = null;
        long backoffMillis = 10;
        try {
            for (int served = 0; clients == 0 || served < clients; ) {
                if (!slots.tryAcquire()) {
                    if (!full) {
                        System.err.println("uds server: " + maxClients + " clients at once (--max-clients): the next wait in the listen queue");
                        full = true;
                    }
                    slots.acquire();
                }
                AFUNIXSocket client;
                try {
                    client = server.accept();
                } catch (SocketException e) {
                    slots.release();
                    if (server.isClosed() && file != null) {
                        // junixsocket's accept() closes the socket when the file at the path is no longer its own
                        throw new IOException(address + " was removed or replaced: no client can reach this server any more");
                    }
                    if (server.isClosed()) {
                        throw e;
                    }
                    if (starved == null) {
                        starved = e.getMessage();
                        System.err.println("uds server: cannot accept a client (" + starved + "): trying again until it can");
                    }
                    Thread.sleep(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, 1000);
                    continue;
                }
                if (starved != null) {
                    System.err.println("uds server: accepting clients again");
                    starved = null;
                    backoffMillis = 10;
                }
                if (!admitted(client, file)) {
                    slots.release();
                    continue;
                }
                served++;
                try {
                    threads.execute(() -> {
                        try {
                            serveOne(client);
                        } finally {
                            slots.release();
                        }
                    });
                } catch (OutOfMemoryError noThreadLeft) {
                    client.close();
                    slots.release();
                    System.err.println("uds server: no thread left for a client (" + noThreadLeft.getMessage() + "): it was closed");
                }
            }
        } finally {
            threads.shutdown();
            threads.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        }
    }

    /** Whether to serve this client: --allow-uid and --mode, from its credentials (SO_PEERCRED); a refusal is said, and the client closed. */
    private boolean admitted(AFUNIXSocket client, Map<String, Object> file) throws IOException {
        AFUNIXSocketCredentials peer = client.getPeerCredentials();
        String refusal = null;
        if (!allowedUids.isEmpty() && !allowedUids.contains((int) peer.getUid())) {
            refusal = "uid not allowed (--allow-uid)";
        } else if (mode != null && !FileMode.modeAdmits(mode, (Integer) file.get("uid"), (Integer) file.get("gid"), peer)) {
            refusal = "mode " + Integer.toOctalString(mode) + " does not let it connect";
        }
        if (refusal == null) {
            System.out.println("Accepted connection from client" + (showCredentials ? " (" + credentials(peer) + ")" : ""));
            return true;
        }
        System.out.println("Refused connection from client (" + credentials(peer) + "): " + refusal);
        client.close();
        return false;
    }

    /**
     * The lessons' recv(): until the client closes, the first 64 KiB kept to show and the rest counted.
     * Each read waits --idle seconds at most, and all of them together --max-time: a client that sends a
     * byte now and then would otherwise hold its slot for ever, and --max-clients of them every slot.
     */
    private void serveOne(AFUNIXSocket client) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        boolean maxTimeBinds = false; // the read's wait ends at --max-time, not after --idle
        try (client) {
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[SHOWN_BYTES], data = new byte[0];
            long received = 0;
            int timeout = 0;
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                maxTimeBinds = left < idleSeconds * 1000L;
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                if (timeout != (int) Math.min(idleSeconds * 1000L, left)) {
                    timeout = (int) Math.min(idleSeconds * 1000L, left);
                    client.setSoTimeout(timeout);
                }
                int read = in.read(buffer);
                if (read < 0) {
                    break; // the client closed: its whole message is in
                }
                received += read;
                int kept = data.length;
                if (kept < SHOWN_BYTES) {
                    data = Arrays.copyOf(data, (int) Math.min(SHOWN_BYTES, kept + (long) read));
                    System.arraycopy(buffer, 0, data, kept, data.length - kept);
                }
            }
            System.out.println(receivedPrefix + LessonCopies.escaped(data) + (received == data.length ? "" : "... (" + received + " bytes)"));
        } catch (SocketTimeoutException tooSlow) {
            System.err.println(maxTimeBinds ? "uds server: a client took more than " + maxSeconds + " seconds in all (--max-time): let go"
                    : "uds server: a client was silent for " + idleSeconds + " seconds: let go");
        } catch (IOException e) {
            System.err.println("uds server: a client failed: " + LessonCopies.escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
        }
    }

    static String credentials(AFUNIXSocketCredentials peer) {
        return "pid=" + peer.getPid() + " uid=" + peer.getUid() + " gid=" + peer.getGid();
    }

    /** 0640 as rw-r-----. */
    private static String permissions(int mode) {
        StringBuilder text = new StringBuilder();
        for (int bit = 8; bit >= 0; bit--) {
            text.append((mode & (1 << bit)) != 0 ? "rwx".charAt((8 - bit) % 3) : '-');
        }
        return text.toString();
    }
}
