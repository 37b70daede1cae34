///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: watch the bytes between clients and a server, and who is on each end, without repointing the clients.

import com.sun.security.auth.module.UnixSystem;
import java.io.*;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.*;
import java.util.stream.Collectors;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;
import picocli.CommandLine.Model.CommandSpec;

// Run it on a live server's socket file: the file moves aside, the spy listens in its place, and every
// connection goes on to the server while each chunk is printed as it passes (> client to server, < back).
// A socket file is only a name: clients reach whoever's socket the name leads to, and rename(2) changes
// that in one step, so no client ever finds no file. An abstract name has no file: --listen it is.
@Command(name = "spy", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Shows the bytes between clients and a server on a unix socket as they pass, and who is on each end.",
            "On a PATH, the server's socket file moves aside (PATH.uds-spy-original), the spy listens in its place (its socket"
                    + " made in a folder of its own, PATH.uds-spy) with the same owner and mode, and puts the file back when it ends;"
                    + " clients change nothing. It does not take the place of a server that would stop when its file is replaced"
                    + " (a junixsocket server checks before each accept()), and puts the file back at once if the server stops listening.",
            "With --listen, the spy listens at an address of its own instead (the only way for @NAME): point the clients there.",
            "Stream, SOCK_SEQPACKET and datagram servers; records and datagrams keep their boundaries, half-closes and"
                    + " descriptors passed (SCM_RIGHTS) are passed on.",
            "A line per event: #N (a connection, or a datagram sender), +SECONDS since it began, > client to server or < back.",
            "An ADDRESS is written as ss prints it: @NAME is an abstract name, anything else a path."},
        footer = {"", "Examples:", "  jbang spy.java /run/app.sock", "  jbang spy.java @app --listen @app-spy --hex",
            "  jbang spy.java /run/app.sock --count 1 --json",
            "  jbang spy.java --restore /run/app.sock    # after kill -9"})
class Spy implements Callable<Integer> {
    static final int MAX_RECORD = 256 * 1024; // more than one record or datagram holds by default (net.core.wmem_default)

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ADDRESS", description = "The server: its socket file, whose place the spy takes; with --listen also @NAME.")
    String address;

    @Option(names = "--listen", paramLabel = "ADDRESS", description = "Listen here, @NAME or a path, and leave the server's socket file where it is.")
    String listen;

    @Option(names = "--restore", description = "Only put back the server's socket file that a spy killed with SIGKILL left aside, then exit.")
    boolean restore;

    @Option(names = "--hex", description = "Show the bytes as a hex dump instead of escaped text.")
    boolean hex;

    @Option(names = "--json", description = "Print one JSON object per event, for tools.")
    boolean json;

    @Option(names = "--max-bytes", paramLabel = "N", description = "Show at most N bytes of each chunk; all of it is passed on (default: ${DEFAULT-VALUE}).")
    int maxBytes = 1024;

    @Option(names = "--count", paramLabel = "N", description = "Connections to relay, then end when they have (and put the file back); 0 relays until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Option(names = "--max-clients", paramLabel = "N", description = "Connections relayed at once (two threads each); the next wait in the listen queue (default: ${DEFAULT-VALUE}).")
    int maxClients = 64;

    @Option(names = "--lend-identity", description = "Relay clients of other users too, and datagram senders."
            + " The server then takes each of them for the spy's user (SO_PEERCRED names the spy, and a datagram comes from the spy's socket),"
            + " so a server that checks who connects lets them in as that user. Without it a client whose uid or gid differs from the spy's is"
            + " refused, and a datagram server, whose senders the spy cannot check, is not spied on.")
    boolean lendIdentity;

    final AtomicInteger conversations = new AtomicInteger(); // #1, #2, ...: a connection, or a datagram sender
    final UnixSystem me = new UnixSystem(); // the spy's uid and gid: what a server sees of every client it relays
    PrintStream out = System.out; // the log: with --json, what else is printed becomes an event (TextAsEvents)
    volatile Closeable listening; // the spy's socket: closed when the log cannot be written, or the server is gone: the spy ends
    volatile boolean logLost, serverGone;
    // In the server's place: its socket file, the name it is moved to, the spy's own folder (its socket is "s" in it),
    // that folder by its open descriptor (/proc/self/fd/N: no one can swap it), and each socket file's device and inode
    // (the spy's own file's time made too, to remove only that very file).
    Path path, moved, own, ownByDescriptor;
    DirectoryStream<Path> ownOpen; // keeps the descriptor open
    Map<String, Object> serverFile, ownFile;
    boolean inPlace, ending; // the spy's file is at PATH; the way out has begun: nothing moves any more
    final Object place = new Object(); // moving files aside, into place and back: one at a time, never half seen

    @Override
    public Integer call() throws Exception {
        checkAddresses();
        if (json) { // a line the repeated methods print ("Removed stale socket file ...") becomes an event too: stdout is JSON alone
            System.setOut(new PrintStream(new TextAsEvents(), true, StandardCharsets.UTF_8));
        }
        if (restore) {
            if (!putBackLeftover()) {
                show("Nothing to put back: " + escapedPath(moved) + " does not exist", "event", "restored", "path", escapedPath(path), "moved", false);
            }
            return 0;
        }
        if (listen == null) {
            putBackLeftover(); // a spy killed with SIGKILL left the server's file aside: it goes back first
            Map<String, Object> file = fileAttributes(path, "unix:mode");
            if (file == null || ((Integer) file.get("mode") & 0170000) != 0140000) {
                throw new IOException(path + (file == null ? " does not exist" : " is not a socket file: left untouched"));
            }
        }
        AFSocketType type = serverType(address); // asked before anything moves: only a live server's file is taken
        if (type == AFSocketType.SOCK_DGRAM && count > 0) {
            throw new ParameterException(spec.commandLine(), "--count counts connections, and " + address + " is a datagram socket: it has none");
        }
        if (type == AFSocketType.SOCK_DGRAM && !lendIdentity) {
            throw new ParameterException(spec.commandLine(), address + " is a datagram socket: the spy cannot tell who sends a datagram (there is no"
                    + " SO_PEERCRED for one), and the server would take every sender for the spy's user; --lend-identity spies on it all the same");
        }
        if (listen == null && type != AFSocketType.SOCK_DGRAM) {
            refuseServerThatChecksItsFile(type);
        }
        AFUNIXSocketAddress server = unixAddress(listen == null ? moved.toString() : address);
        Runtime.getRuntime().addShutdownHook(new Thread(this::putBack)); // Ctrl-C, SIGTERM: the server's file goes back first
        try {
            if (listen == null) {
                moveAside();
            }
            // socket(), bind(), listen(): in place in the spy's own folder first; its socket takes the server's path once it
            // has the server's owner and mode.
            String at = listen == null ? makeOwnFolder().resolve("s").toString() : listen;
            try (Closeable socket = type == AFSocketType.SOCK_STREAM ? AFUNIXServerSocket.newInstance() : bindRecordSocket(at, type)) {
                if (socket instanceof AFUNIXServerSocket stream) {
                    bindListener(stream, at, 128); // bind() and listen(128), with the care of the model servers
                }
                listening = socket;
                if (listen == null) {
                    takePlace();
                    watchServer();
                }
                showListening(type);
                if (type == AFSocketType.SOCK_DGRAM) {
                    relayDatagrams((AFUNIXDatagramSocket) socket, server);
                } else {
                    relayConnections(socket, server, type);
                }
            }
        } catch (IOException e) {
            throw logLost ? new IOException("the log cannot be written (its reader has gone): the spy ends")
                    : serverGone ? new IOException("the server stopped listening at " + escapedPath(moved) + ": its socket file is back at " + escapedPath(path) + ", and the spy ends") : e;
        } finally {
            putBack();
        }
        return 0;
    }

    /** ADDRESS and --listen as ss writes them, and in place the names beside PATH: bad input is exit 2. */
    void checkAddresses() throws SocketException {
        if (unixAddress(address) == null || (listen != null && unixAddress(listen) == null) || maxBytes < 0 || count < 0) {
            throw new ParameterException(spec.commandLine(), "ADDRESS and --listen must be @NAME or a path, in 1 to 107 bytes, and --max-bytes and --count 0 or more");
        }
        if (address.startsWith("@") && (listen == null || restore)) {
            throw new ParameterException(spec.commandLine(), "an abstract name cannot be taken from a live server: give the spy an address of its own with --listen, and point the clients there");
        }
        if (restore && listen != null) {
            throw new ParameterException(spec.commandLine(), "--restore puts a moved socket file back: it takes no --listen");
        }
        if (listen == null) { // same folder: rename(2) and link(2) work within one file system
            path = Path.of(address);
            moved = Path.of(address + ".uds-spy-original");
            own = Path.of(address + ".uds-spy");
            if (unixAddress(moved.toString()) == null) {
                throw new ParameterException(spec.commandLine(), "the path is too long to be moved aside (" + moved + " must fit in 107 bytes): use --listen");
            }
        }
    }

    void showListening(AFSocketType type) {
        String at = escapedPath(Path.of(listen == null ? address : listen)), server = escapedPath(listen == null ? moved : Path.of(address));
        show("Spy listening on " + at + " (" + type + (listen == null ? ", mode " + String.format("%o", (Integer) serverFile.get("mode") & 07777)
                + ", owner " + serverFile.get("uid") + ":" + serverFile.get("gid") + ", in the server's place)" : ")") + "; "
                + (type == AFSocketType.SOCK_DGRAM ? "datagrams" : "connections") + " go on to " + server + (listen == null ? "" : ": point the clients at " + at),
                "event", "listening", "address", at, "server", server, "type", type.toString(), "in_place", listen == null);
        if (listen == null) {
            String again = (spec.parent() == null ? "jbang spy.java" : spec.qualifiedName()) + " --restore " + escapedPath(path);
            show("If the spy is killed with SIGKILL, put the server's socket file back with: " + again + " (or: mv " + escapedPath(moved) + " "
                    + escapedPath(path) + ")", "event", "how_to_restore", "command", again);
        }
    }

    // ---- Taking the server's place, and giving it back ------------------------------------------------

    /** A second name for the server's socket file, MOVED: link(2) fails if the name exists, where rename(2) would replace it. */
    void moveAside() throws IOException {
        synchronized (place) {
            Map<String, Object> file = fileAttributes(path, "unix:mode,dev,ino,uid,gid");
            if (ending || file == null) {
                throw new IOException(ending ? "stopped while starting" : path + " is gone");
            }
            try {
                Files.createLink(moved, path); // the name MOVED is also the spy's lock: a second spy on PATH stops here
            } catch (FileSystemException e) {
                throw new IOException("cannot give " + path + " a second name (" + e.getReason() + "): run the spy as the file's owner or root, or use --listen");
            }
            serverFile = file;
            if (!fileKey(file).equals(fileAttributes(moved, "unix:dev,ino")) || !fileKey(file).equals(fileAttributes(path, "unix:dev,ino"))) {
                throw new IOException(path + " changed while the spy started: left as it is");
            }
        }
    }

    /**
     * The spy's own folder, OWN (mode 700), beside PATH, and the same folder by its open descriptor. The spy's
     * socket file is made and given the server's owner and mode in there: chmod(2) follows a symlink (and Java has
     * no other way to change a socket file's mode), and in the server's folder, which the server's user may be
     * able to write, a name could be swapped for a symlink to any file meanwhile. Inside OWN, reached through
     * /proc/self/fd/N (which leads to the folder the spy opened, whatever its name is now), no one else can.
     */
    Path makeOwnFolder() throws IOException {
        try {
            Files.createDirectory(own, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(own + " exists: is another spy on " + path + " starting? If none runs, remove it");
        }
        ownOpen = Files.newDirectoryStream(own);
        String opened = own.toAbsolutePath().toString();
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path descriptor : descriptors) {
                if (opened.equals(readLinkOrNull(descriptor))) {
                    ownByDescriptor = descriptor;
                }
            }
        }
        Map<String, Object> folder = ownByDescriptor == null ? null : Files.readAttributes(ownByDescriptor, "unix:uid,mode");
        if (folder == null || ((Integer) folder.get("uid")).longValue() != me.getUid() || ((Integer) folder.get("mode") & 07777) != 0700) {
            throw new IOException(own + " changed while the spy made it: left as it is");
        }
        return own;
    }

    /** The spy's socket file, given the server's owner and mode in the spy's folder, replaces the server's at PATH in one rename(2). */
    void takePlace() throws IOException {
        synchronized (place) {
            Path socket = ownByDescriptor.resolve("s"), next = ownByDescriptor.resolve("next");
            try {
                Files.setAttribute(socket, "unix:uid", serverFile.get("uid"), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(socket, "unix:gid", serverFile.get("gid"), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(socket, "unix:mode", (Integer) serverFile.get("mode") & 07777); // chmod(2), in the spy's own folder
            } catch (FileSystemException e) {
                throw new IOException("cannot give the spy's socket file the owner and mode of " + path + " (" + e.getReason() + "): run the spy as root, or use --listen");
            }
            ownFile = fileAttributes(socket, "unix:dev,ino,lastModifiedTime");
            // Checked just before the move: the server's file is still at PATH and at MOVED (a restarted server may have made a new one).
            if (ending || !fileKey(serverFile).equals(fileAttributes(path, "unix:dev,ino")) || !fileKey(serverFile).equals(fileAttributes(moved, "unix:dev,ino"))) {
                throw new IOException(ending ? "stopped while starting" : path + " changed while the spy started: left as it is");
            }
            // A second name, moved over PATH: rename(2) gives PATH to the spy's socket in one step. junixsocket's accept()
            // checks that the file at the path it bound (OWN/s) is still its socket, or it closes it: that name stays.
            Files.createLink(next, socket);
            Files.move(next, path, StandardCopyOption.ATOMIC_MOVE);
            inPlace = true;
        }
    }

    static String readLinkOrNull(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Puts the server's socket file back at PATH, on every way out (once): rename(2) over the spy's own file, if both are as left. */
    void putBack() {
        synchronized (place) {
            Map<String, Object> server = serverFile;
            ending = true;
            serverFile = null;
            if (server == null) {
                return; // nothing was moved, or it is back already
            }
            try {
                Map<String, Object> atPath = fileAttributes(path, "unix:dev,ino"), atMoved = fileAttributes(moved, "unix:dev,ino");
                if (!inPlace) { // MOVED is a second name of the file at PATH: the name goes, the file stays
                    if (fileKey(server).equals(atMoved) && fileKey(server).equals(atPath)) {
                        Files.delete(moved);
                    }
                } else if (fileKey(server).equals(atMoved) && fileKey(ownFile).equals(atPath)) {
                    Files.move(moved, path, StandardCopyOption.ATOMIC_MOVE); // rename(2) replaces the spy's file: never a moment without one
                    show("Put the server's socket file back at " + escapedPath(path), "event", "restored", "path", escapedPath(path), "moved", true);
                } else if (!fileKey(server).equals(atMoved)) { // someone removed or replaced it: nothing of the server's is left to put back
                    removeOwnSocketFile(path, ownFile);
                    show(escapedPath(moved) + " is no longer the server's socket file: left as it is; the spy's own removed from " + escapedPath(path),
                            "event", "not_restored", "path", escapedPath(path));
                } else { // PATH is someone else's now (a restarted server's?): it stays; the old file goes only if no server is bound to it
                    show(escapedPath(path) + " is no longer the spy's socket file (did the server start again?): left as it is", "event", "not_restored", "path", escapedPath(path));
                    removeStaleSocketFile(moved);
                }
            } catch (IOException e) {
                show("Could not put the server's socket file back (" + e.getMessage() + "): it is at " + escapedPath(moved), "event", "not_restored", "path", escapedPath(path));
            } finally {
                removeOwnFolder();
            }
        }
    }

    /** The spy's folder and its socket file in it, if they are still the spy's own: on every way out. */
    void removeOwnFolder() {
        if (ownByDescriptor == null) {
            return;
        }
        if (ownFile != null) {
            removeOwnSocketFile(ownByDescriptor.resolve("s"), ownFile);
            removeOwnSocketFile(ownByDescriptor.resolve("next"), ownFile); // if the spy stopped between link and rename
        }
        try {
            Object key = Files.readAttributes(ownByDescriptor, BasicFileAttributes.class).fileKey();
            ownOpen.close();
            if (key.equals(Files.readAttributes(own, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey())) {
                Files.delete(own); // rmdir(2): only if empty
            }
        } catch (IOException e) {
            show("Could not remove the spy's folder " + escapedPath(own) + " (" + e.getMessage() + ")", "event", "not_removed", "path", escapedPath(own));
        }
        ownByDescriptor = null;
    }

    /** A dead spy's folder (its socket file, stale now, in it), and the folder itself once empty. */
    void removeLeftoverFolder() throws IOException {
        Map<String, Object> folder = fileAttributes(own, "unix:mode");
        if (folder == null || ((Integer) folder.get("mode") & 0170000) != 0040000) {
            return; // none, or not a folder: not the spy's
        }
        removeStaleSocketFile(own.resolve("s"));
        removeStaleSocketFile(own.resolve("next"));
        try {
            Files.delete(own);
        } catch (DirectoryNotEmptyException notOnlyOurs) {
            // something else is in it: left as it is
        }
    }

    /** A spy killed with SIGKILL left the server's file at MOVED: puts it back, unless a spy on PATH still runs. True if MOVED existed. */
    boolean putBackLeftover() throws IOException {
        Map<String, Object> aside = fileAttributes(moved, "unix:mode,dev,ino"), atPath = fileAttributes(path, "unix:mode,dev,ino");
        if (aside == null) {
            return false;
        }
        if (((Integer) aside.get("mode") & 0170000) != 0140000 || atPath != null && ((Integer) atPath.get("mode") & 0170000) != 0140000) {
            throw new IOException(moved + " is left from a spy, but it or " + path + " is not a socket file: left both untouched");
        }
        if (atPath != null && fileKey(aside).equals(fileKey(atPath))) {
            throw new IOException(moved + " is a second name of " + path + ": a spy is starting, or was killed while starting; if none runs, remove " + moved);
        }
        if (atPath != null && bound(path)) {
            if (bound(moved)) {
                throw new IOException("another spy on " + path + " is running (the server's socket file is at " + moved + "): stop it first, or use --listen");
            }
            removeStaleSocketFile(moved); // the server started again at PATH: its old file is only a name
            removeLeftoverFolder();
            return true;
        }
        if (atPath == null) {
            Files.createLink(path, moved); // link(2), not rename(2): fails if PATH appeared meanwhile
            Files.delete(moved);
        } else if (atPath.equals(fileAttributes(path, "unix:mode,dev,ino")) && aside.equals(fileAttributes(moved, "unix:mode,dev,ino"))) {
            Files.move(moved, path, StandardCopyOption.ATOMIC_MOVE); // rename(2) over the dead spy's stale file
        } else {
            throw new IOException(path + " changed while the spy looked at it: left as it is");
        }
        show("Put the server's socket file back at " + escapedPath(path) + " (a spy had moved it to " + escapedPath(moved) + " and was killed)",
                "event", "restored", "path", escapedPath(path), "moved", true);
        removeLeftoverFolder(); // the dead spy's own socket file, if it is still there
        return true;
    }

    /**
     * A server that checks its socket file stops when the spy takes its place: junixsocket's accept() compares
     * the file at the path it bound with the one bind() made, and closes the listening socket when they differ.
     * So the processes that hold the server's socket (the kernel's table gives its inode for PATH, /proc/PID/fd
     * who holds it, as ss -p finds them) are asked what they have loaded; one with junixsocket's library, or
     * one the spy may not look at, is refused before anything moves.
     */
    void refuseServerThatChecksItsFile(AFSocketType type) throws IOException {
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1);
        String name = new String(address.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        Matcher row = Pattern.compile(" 00010000 " + (type == AFSocketType.SOCK_STREAM ? "0001" : "0005") + " 01 +(\\d+) " + Pattern.quote(name) + "\n").matcher(table);
        Set<String> sockets = new HashSet<>();
        while (row.find()) {
            sockets.add("socket:[" + row.group(1) + "]");
        }
        List<Long> holders = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path descriptor : descriptors) {
                        if (sockets.contains(readLinkOrNull(descriptor))) {
                            holders.add(Long.parseLong(process.getFileName().toString()));
                            break;
                        }
                    }
                } catch (NoSuchFileException | AccessDeniedException notSeen) {
                    // ended meanwhile, or another user's: it cannot be one of the holders the spy sees
                }
            }
        }
        if (holders.isEmpty()) {
            throw new IOException("cannot tell which process serves " + path + " (the spy may not look at it): run the spy as the server's"
                    + " user or root, or use --listen and point the clients there");
        }
        for (long pid : holders) {
            // The library is mapped from the launcher's copy, or (stock JBang) from junixsocket's own
            // /tmp/libtmpNNNlibjunixsocket-native-V.so, deleted once loaded: no slash before its name.
            if (Files.readString(Path.of("/proc/" + pid + "/maps"), StandardCharsets.ISO_8859_1).contains("libjunixsocket-native")) {
                throw new IOException(path + "'s server (pid " + pid + ", " + commandName(pid) + ") uses junixsocket, which closes its socket"
                        + " once its file is replaced: the spy does not take its place; use --listen and point the clients there");
            }
        }
    }

    /** In the server's place: every 100 ms, whether the server still listens; if not, its file goes back at once, and the spy ends. */
    void watchServer() {
        Thread watcher = new Thread(() -> {
            try {
                while (!ending) {
                    Thread.sleep(100);
                    if (!ending && !bound(moved)) {
                        serverGone = true;
                        show("The server no longer listens at " + escapedPath(moved) + ": its socket file goes back to " + escapedPath(path) + ", and the spy ends",
                                "event", "server_gone", "path", escapedPath(path));
                        putBack();
                        closeQuietly(listening);
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the spy is ending anyway
            }
        }, "spy-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Whether a socket is bound to the socket file at PATH: a datagram socket's connect() asks without a connection a server would see. */
    static boolean bound(Path path) throws IOException {
        try (AFUNIXDatagramSocket probe = AFUNIXDatagramSocket.newInstance()) {
            probe.connect(AFUNIXSocketAddress.of(path));
        } catch (SocketException e) {
            // EPROTOTYPE: a stream or seqpacket socket is bound; ECONNREFUSED and EACCES have one type: access(2) tells them apart
            return e instanceof OperationNotSupportedSocketException || !Files.isWritable(path);
        }
        return true;
    }

    static Map<String, Object> fileAttributes(Path path, String attributes) throws IOException {
        try {
            return Files.readAttributes(path, attributes, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    static Map<String, Object> fileKey(Map<String, Object> file) {
        return Map.of("dev", file.get("dev"), "ino", file.get("ino"));
    }

    // ---- Relaying connections: SOCK_STREAM and SOCK_SEQPACKET --------------------------------------------

    /**
     * accept() each client and relay it in threads of its own: up to --max-clients at once (the next wait in the
     * listen queue: threads and buffers stay bounded), each only if the server would see who it is; with
     * --count, until those have ended.
     */
    void relayConnections(Closeable socket, AFUNIXSocketAddress server, AFSocketType type) throws Exception {
        List<Thread> relays = new ArrayList<>();
        Semaphore slots = new Semaphore(maxClients);
        boolean full = false;
        for (int accepted = 0; count == 0 || accepted < count; ) {
            if (!slots.tryAcquire()) {
                if (!full) {
                    show(maxClients + " connections at once (--max-clients): the next wait in the listen queue", "event", "full", "max_clients", maxClients);
                    full = true;
                }
                slots.acquire();
            }
            ByteChannel client;
            try {
                client = socket instanceof AFUNIXServerSocket stream ? stream.accept().getChannel()
                        : ((AFUNIXDatagramSocket) socket).accept().getChannel(); // SOCK_SEQPACKET: accept() as a stream's
            } catch (SocketException e) {
                if (ownFile != null && !logLost && !serverGone && !fileKey(ownFile).equals(fileAttributes(own.resolve("s"), "unix:dev,ino"))) {
                    throw new IOException(own.resolve("s") + " was removed, and junixsocket's accept() stops when the file it bound is gone");
                }
                throw e;
            }
            int id = conversations.incrementAndGet();
            long since = System.nanoTime();
            // getsockopt(SO_PEERCRED): who called connect(), as the kernel recorded it. Relayed, the server would see the spy instead.
            Map<String, Object> clientEnd = whoOrNull(client);
            boolean sameUser = clientEnd != null && ((Number) clientEnd.get("uid")).longValue() == me.getUid() && ((Number) clientEnd.get("gid")).longValue() == me.getGid();
            if (clientEnd != null && !sameUser && !lendIdentity) {
                event(id, since, "refused", "refused: client " + text(clientEnd) + ": the server would take it for the spy's user (uid=" + me.getUid()
                        + " gid=" + me.getGid() + "); --lend-identity relays it all the same", "client", clientEnd);
            }
            if (clientEnd == null || !sameUser && !lendIdentity) { // gone already, or refused
                closeQuietly(client);
                slots.release();
                continue;
            }
            accepted++;
            ByteChannel upstream = connectOrSay(id, since, () -> { // here, not in the thread: before --count puts the file back
                if (type == AFSocketType.SOCK_STREAM) {
                    return AFUNIXSocketChannel.open(server);
                }
                AFUNIXDatagramSocket seqpacket = AFUNIXDatagramSocket.newInstance(type);
                seqpacket.connect(server);
                return seqpacket.getChannel();
            });
            Thread thread = new Thread(() -> {
                try {
                    relay(id, since, client, clientEnd, upstream);
                } finally {
                    slots.release();
                }
            }, "spy-connection");
            thread.setDaemon(true);
            thread.start();
            if (count > 0) {
                relays.add(thread);
            }
        }
        putBack(); // counted: the next clients go to the server itself, while these end
        socket.close();
        for (Thread relay : relays) {
            relay.join();
        }
    }

    /** One client (CLIENT_END: who it is), and the spy's connection to the server for it (null: none): a copy each way, in a thread each, until both ends are done. */
    void relay(int id, long since, ByteChannel client, Map<String, Object> clientEnd, ByteChannel server) {
        try (client; server) {
            if (server == null) {
                return; // closing the client's connection is all a spy can say
            }
            Map<String, Object> serverEnd = who(server); // getsockopt(SO_PEERCRED): who called listen()
            event(id, since, "open", "open: client " + text(clientEnd) + " -> server " + text(serverEnd), "client", clientEnd, "server", serverEnd);
            AtomicBoolean closing = new AtomicBoolean(); // the spy closes both ends: what the other thread reads then is no news
            FutureTask<Long> back = new FutureTask<>(() -> copy(id, since, server, client, "<", closing));
            Thread thread = new Thread(back, "spy-" + id + "-back");
            thread.setDaemon(true);
            thread.start();
            long forth = copy(id, since, client, server, ">", closing), backward = back.get();
            event(id, since, "close", "closed: " + forth + " bytes >, " + backward + " bytes <", "bytes_to_server", forth, "bytes_to_client", backward);
        } catch (Exception e) {
            String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
            event(id, since, "error", "error: " + message + "; the spy closes both ends", "message", message);
        }
    }

    /** connect() to the server for client #ID; or null, once the error is shown (no server is bound there any more, say). */
    ByteChannel connectOrSay(int id, long since, Callable<ByteChannel> connect) {
        try {
            return connect.call();
        } catch (Exception e) {
            String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
            event(id, since, "error", "error: cannot connect to the server: " + message + "; the client's connection is closed", "message", message);
            return null;
        }
    }

    /** Copies FROM to TO, chunk by chunk (record by record), with the descriptors that come along; then passes the end on. */
    long copy(int id, long since, ByteChannel from, ByteChannel to, String direction, AtomicBoolean closing) {
        boolean records = from instanceof DatagramChannel; // SOCK_SEQPACKET: one read() is one record, whole
        ByteBuffer buffer = ByteBuffer.allocateDirect(records ? MAX_RECORD + 1 : 65536); // one chunk at a time: bounded; direct: read in place
        ((AFUNIXSocketExtensions) from).setAncillaryReceiveBufferSize(1024); // room for descriptors (SCM_RIGHTS); without it the kernel closes them
        long copied = 0;
        try {
            while (from.read(buffer.clear()) >= 0 && !closing.get()) {
                buffer.flip();
                FileDescriptor[] passed = ((AFUNIXSocketExtensions) from).getReceivedFileDescriptors();
                showData(id, since, direction, buffer, described(passed), records && buffer.limit() > MAX_RECORD ? "longer than " + MAX_RECORD + " bytes: cut, the rest is lost" : null);
                ((AFUNIXSocketExtensions) to).setOutboundFileDescriptors(passed); // sent with the next write: the receiver gets its own copies
                copied += buffer.remaining();
                try {
                    while (buffer.hasRemaining()) {
                        to.write(buffer); // blocks while TO's reader is behind: the sender is held back, nothing piles up here
                    }
                } finally {
                    closeAll(passed); // the spy's copies, also when the write failed: a pipe's reader must see its end
                }
            }
            if (closing.get()) {
                return copied;
            }
            String who = direction.equals(">") ? "client" : "server";
            if (to instanceof SocketChannel stream) { // the end of one direction only: the other goes on (an HTTP request, then its reply)
                event(id, since, "end", direction + " end: the " + who + " sends no more; passed on with shutdown(SHUT_WR)", "dir", direction, "side", who);
                stream.shutdownOutput();
            } else { // junixsocket has no shutdown() for SOCK_SEQPACKET, and an empty record reads as the end too
                event(id, since, "end", direction + " end: the " + who + " sends no more; passed on by closing both ends (SOCK_SEQPACKET)", "dir", direction, "side", who);
                closing.set(true);
                closeQuietly(from, to);
            }
        } catch (IOException e) {
            if (!closing.getAndSet(true)) {
                String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                event(id, since, "error", direction + " error: " + message + "; the spy closes both ends", "dir", direction, "message", message);
                closeQuietly(from, to);
            }
        }
        return copied;
    }

    // ---- Relaying datagrams: SOCK_DGRAM ---------------------------------------------------------------

    /** One datagram sender: its number (#ID), when its first datagram came, and the spy's socket that sends its datagrams on. */
    record Sender(int id, long since, AFUNIXDatagramSocket forwarder) {
    }

    /** No connections: each sender gets a socket of the spy's own, connected to the server, to send from and to take its answers at. */
    void relayDatagrams(AFUNIXDatagramSocket socket, AFUNIXSocketAddress server) throws IOException {
        Map<String, Sender> senders = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Sender> eldest) {
                boolean tooMany = size() > 64; // bounded: the socket of the sender silent for longest goes (its answers too)
                if (tooMany) {
                    eldest.getValue().forwarder().close();
                }
                return tooMany;
            }
        };
        socket.setAncillaryReceiveBufferSize(1024);
        byte[] buffer = new byte[MAX_RECORD + 1];
        while (true) {
            DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(datagram); // one receive() is one datagram, whole, and who sent it
            } catch (SocketTimeoutException empty) { // junixsocket's word for an empty datagram; it does not say from whom
                datagram = new DatagramPacket(buffer, 0);
            }
            FileDescriptor[] passed = socket.getReceivedFileDescriptors();
            AFUNIXSocketAddress sender = sender(datagram);
            String key = sender == null ? "" : new String(sender.getPathAsBytes(), StandardCharsets.ISO_8859_1);
            Sender known = senders.get(key);
            known = known == null || known.forwarder().isClosed() ? null : known; // a closed one is made anew
            try {
                if (known == null) {
                    int id = conversations.incrementAndGet();
                    long since = System.nanoTime();
                    known = new Sender(id, since, forwarder(id, since, sender, server, socket));
                    senders.put(key, known);
                }
                showData(known.id(), known.since(), ">", ByteBuffer.wrap(buffer, 0, datagram.getLength()), described(passed),
                        datagram.getLength() > MAX_RECORD ? "longer than " + MAX_RECORD + " bytes: cut, the rest is lost" : null);
                known.forwarder().getChannel().setOutboundFileDescriptors(passed);
                known.forwarder().getChannel().write(ByteBuffer.wrap(buffer, 0, datagram.getLength())); // blocks while the server's queue is full
            } catch (IOException e) {
                String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                event(known == null ? 0 : known.id(), known == null ? System.nanoTime() : known.since(), "error", "> error: " + message + "; the datagram is dropped", "dir", ">", "message", message);
            }
            closeAll(passed);
        }
    }

    /** The spy's socket for one sender: bound to an abstract name of its own if the sender has an address (the server answers there), else unbound. */
    AFUNIXDatagramSocket forwarder(int id, long since, AFUNIXSocketAddress sender, AFUNIXSocketAddress server, AFUNIXDatagramSocket socket) throws IOException {
        AFUNIXDatagramSocket forwarder = AFUNIXDatagramSocket.newInstance();
        // A name no one can guess, so no one can take it first (abstract names have no owner).
        String name = "uds-spy-" + HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(8));
        try {
            if (sender != null) {
                forwarder.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
            }
            forwarder.connect(server); // connect() of a datagram socket: only the server's datagrams reach it now
        } catch (IOException e) {
            forwarder.close(); // not kept: a sender the spy cannot relay costs it no descriptor
            throw e;
        }
        event(id, since, "sender", sender == null ? "sender without an address: its datagrams go on from an unbound socket, and cannot be answered"
                : "sender " + shown(sender) + ": its datagrams go on from @" + name, "from", sender == null ? "" : shown(sender), "via", sender == null ? "" : "@" + name);
        if (sender != null) {
            Thread thread = new Thread(() -> answers(id, since, forwarder, sender, socket), "spy-" + id + "-answers");
            thread.setDaemon(true);
            thread.start();
        }
        return forwarder;
    }

    /** The server's answers to one sender: they come to the spy's socket for it, and go on from the address the sender wrote to. */
    void answers(int id, long since, AFUNIXDatagramSocket forwarder, AFUNIXSocketAddress sender, AFUNIXDatagramSocket socket) {
        forwarder.setAncillaryReceiveBufferSize(1024);
        byte[] buffer = new byte[MAX_RECORD + 1];
        while (true) {
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            FileDescriptor[] passed;
            try {
                try {
                    forwarder.receive(answer);
                } catch (SocketTimeoutException empty) { // an empty datagram, as junixsocket says it
                    answer = new DatagramPacket(buffer, 0);
                }
                passed = forwarder.getReceivedFileDescriptors();
            } catch (IOException e) { // closed: of 64 senders, this one was silent longest; or the server is gone
                if (!forwarder.isClosed()) {
                    String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                    event(id, since, "error", "< error: " + message + "; the spy's socket for this sender is closed", "dir", "<", "message", message);
                    forwarder.close();
                }
                return;
            }
            showData(id, since, "<", ByteBuffer.wrap(buffer, 0, answer.getLength()), described(passed),
                    passed.length == 0 ? null : "descriptors not passed on: junixsocket sends them only on a connected datagram socket");
            closeAll(passed);
            try {
                socket.getChannel().send(ByteBuffer.wrap(buffer, 0, answer.getLength()), sender); // blocks while the sender's queue is full
            } catch (IOException e) { // the sender is gone (its file removed, its socket closed)
                String message = escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
                event(id, since, "error", "< error: " + message + "; the answer is dropped", "dir", "<", "message", message);
            }
        }
    }

    /** Who sent a datagram, or null if its socket has no address. junixsocket pads an abstract name with NULs to 107 bytes (FACTS): they are cut off. */
    static AFUNIXSocketAddress sender(DatagramPacket datagram) throws SocketException {
        if (datagram.getAddress() == null) {
            return null;
        }
        AFUNIXSocketAddress padded = AFUNIXSocketAddress.unwrap(datagram.getAddress(), datagram.getPort());
        byte[] name = padded.getPathAsBytes();
        int length = name.length;
        while (padded.isInAbstractNamespace() && length > 1 && name[length - 1] == 0) {
            length--;
        }
        return AFUNIXSocketAddress.of(Arrays.copyOf(name, length));
    }

    // ---- Showing what passes --------------------------------------------------------------------------

    /** Prints one event: a line of text, or with --json one JSON object of FIELDS (name, value, ...), with the line as "message". */
    void show(String line, Object... fields) {
        String printed = line;
        if (json) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (int i = 0; i + 1 < fields.length; i += 2) {
                object.put((String) fields[i], fields[i + 1]);
            }
            if (!object.containsKey("bytes")) { // a chunk's line would only repeat its fields
                object.putIfAbsent("message", line);
            }
            printed = jsonValue(object);
        }
        synchronized (this) { // the lines of many threads never mix
            out.println(printed);
            if (out.checkError() && !logLost) { // the reader of the log has gone (a closed pipe): end the spy, which puts the file back
                logLost = true;
                closeQuietly(listening);
            }
        }
    }

    /** With --json, System.out: each line printed there (by the repeated methods) is shown as an event of its own. */
    final class TextAsEvents extends OutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            synchronized (Spy.this) {
                if (b != '\n') {
                    line.write(b);
                    return;
                }
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                show(text, "event", "note");
            }
        }
    }

    /** An event of conversation #ID: the seconds since the conversation began, then the event. */
    void event(int id, long since, String kind, String text, Object... fields) {
        long micros = (System.nanoTime() - since) / 1000;
        String time = micros / 1_000_000 + "." + String.valueOf(1_000_000 + micros % 1_000_000).substring(1);
        List<Object> all = new ArrayList<>(List.of("event", kind, "conn", id, "t", new java.math.BigDecimal(time)));
        all.addAll(List.of(fields));
        show("#" + id + " +" + time + " " + text, json ? all.toArray() : new Object[0]);
    }

    /** One chunk (a record, a datagram) as it passes: its direction, its size, the descriptors with it, and at most --max-bytes of it. */
    void showData(int id, long since, String direction, ByteBuffer data, List<String> passed, String note) {
        byte[] shown = new byte[Math.min(data.remaining(), maxBytes)];
        data.duplicate().get(shown);
        boolean cut = shown.length < data.remaining();
        String bytes = hex && json ? HexFormat.of().formatHex(shown) : hex ? hexDump(shown) : escaped(shown);
        String line = json ? "" : direction + " " + data.remaining() + (data.remaining() == 1 ? " byte" : " bytes")
                + (passed.isEmpty() ? "" : " and " + passed.size() + (passed.size() == 1 ? " descriptor " : " descriptors ") + passed)
                + (note == null ? "" : " (" + note + ")") + (cut ? ", the first " + shown.length + " shown" : "") + ":" + (hex ? "" : " ") + bytes;
        event(id, since, "data", line, "dir", direction, "bytes", data.remaining(), hex ? "hex" : "data", bytes, "cut", cut, "fds", passed);
    }

    /** A hex dump, 16 bytes a line: the offset, the bytes, and those that are printable ASCII as themselves (the others as '.'). */
    static String hexDump(byte[] bytes) {
        StringBuilder dump = new StringBuilder();
        for (int line = 0; line < bytes.length; line += 16) {
            StringBuilder text = new StringBuilder();
            dump.append(String.format("%n    %04x ", line));
            for (int i = line; i < line + 16; i++) {
                dump.append(i < bytes.length ? String.format(" %02x", bytes[i]) : "   ");
                text.append(i >= bytes.length ? "" : bytes[i] >= 0x20 && bytes[i] < 0x7f ? (char) bytes[i] : '.');
            }
            dump.append("  ").append(text);
        }
        return dump.toString();
    }

    /** who(CHANNEL), or null if the other end is gone already. */
    static Map<String, Object> whoOrNull(ByteChannel channel) {
        try {
            return who(channel);
        } catch (IOException gone) {
            return null;
        }
    }

    /** pid, uid, gid and command of the process at the other end, as the kernel recorded them at connect() or listen() (SO_PEERCRED). */
    static Map<String, Object> who(ByteChannel channel) throws IOException {
        AFUNIXSocketCredentials peer = ((AFUNIXSocketExtensions) channel).getPeerCredentials();
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("pid", peer.getPid());
        who.put("uid", peer.getUid());
        who.put("gid", peer.getGid());
        who.put("command", commandName(peer.getPid()));
        return who;
    }

    static String text(Map<String, Object> fields) {
        return fields.entrySet().stream().map(field -> field.getKey() + "=" + field.getValue()).collect(Collectors.joining(" "));
    }

    /** What each passed descriptor is, as /proc/self/fd shows it (a file's path, pipe:[N], socket:[N]), escaped: the sender chose it. */
    static List<String> described(FileDescriptor[] passed) {
        List<String> what = new ArrayList<>();
        for (FileDescriptor descriptor : passed) {
            try {
                int fd = FileDescriptorCast.using(descriptor).as(Integer.class);
                what.add(escaped(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                what.add("?");
            }
        }
        return what;
    }

    /** A JSON value: a map, a list, a string (escaped() text already: no control characters), or a number or boolean as it is. */
    static String jsonValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(field -> jsonValue(field.getKey()) + ":" + jsonValue(field.getValue())).collect(Collectors.joining(",", "{", "}"));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Spy::jsonValue).collect(Collectors.joining(",", "[", "]"));
        }
        return value instanceof String text ? "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : String.valueOf(value);
    }

    /** An address as ss shows it: @NAME (a NUL inside also as @) or a path, escaped. */
    static String shown(AFUNIXSocketAddress address) {
        byte[] bytes = address.getPathAsBytes().clone();
        for (int i = 0; address.isInAbstractNamespace() && i < bytes.length; i++) {
            bytes[i] = bytes[i] == 0 ? (byte) '@' : bytes[i];
        }
        return escaped(bytes);
    }

    static String escapedPath(Path path) {
        return escaped(path.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void closeAll(FileDescriptor[] passed) {
        for (FileDescriptor descriptor : passed) {
            try (FileInputStream closing = new FileInputStream(descriptor)) {
                // close(): the receiver has its own copy
            } catch (IOException | RuntimeException gone) {
                // closed already
            }
        }
    }

    static void closeQuietly(Closeable... closeables) {
        for (Closeable closeable : closeables) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (IOException gone) {
                // closed already
            }
        }
    }

    // ---- The spy's sockets ----------------------------------------------------------------------------

    /** The server's socket type: a socket file answers a datagram socket's connect() with no connection (FACTS); an abstract name is in the kernel's table, once per type. */
    static AFSocketType serverType(String address) throws IOException {
        if (address.startsWith("@")) {
            String name = address.substring(1);
            for (AFSocketType type : List.of(AFSocketType.SOCK_STREAM, AFSocketType.SOCK_SEQPACKET, AFSocketType.SOCK_DGRAM)) {
                if (listedInKernelTable(name, type == AFSocketType.SOCK_STREAM ? "0001" : type == AFSocketType.SOCK_SEQPACKET ? "0005" : "0002")) {
                    return type;
                }
            }
            throw new IOException(address + " is not a live socket: no socket is bound to that name");
        }
        try (AFUNIXDatagramSocket probe = AFUNIXDatagramSocket.newInstance()) {
            probe.connect(AFUNIXSocketAddress.of(Path.of(address)));
            return AFSocketType.SOCK_DGRAM; // a datagram socket's connect() sends nothing: it only sets where to
        } catch (SocketException e) {
            if (!(e instanceof OperationNotSupportedSocketException)) { // EPROTOTYPE: a stream or seqpacket socket is bound there
                throw new IOException(address + " is not a live socket: " + e.getMessage() + (Files.isWritable(Path.of(address)) ? " (no socket is bound to it)" : ""));
            }
        }
        // A connect() of the right type would be a connection the server sees: the kernel's table says what listens at the path.
        String table = Files.readString(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1);
        String path = new String(address.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        boolean seqpacket = Pattern.compile(" 00010000 0005 01 +\\d+ " + Pattern.quote(path) + "\n").matcher(table).find();
        return seqpacket ? AFSocketType.SOCK_SEQPACKET : AFSocketType.SOCK_STREAM;
    }

    /** A SOCK_SEQPACKET (listening) or SOCK_DGRAM socket bound to ADDRESS, with the care bindListener takes for a stream. */
    static AFUNIXDatagramSocket bindRecordSocket(String address, AFSocketType type) throws IOException {
        if (!address.startsWith("@")) {
            removeStaleSocketFile(Path.of(address));
        } else if (type == AFSocketType.SOCK_SEQPACKET && listedInKernelTable(address.substring(1), "0005")) {
            throw new IOException(address + " is already in use"); // junixsocket's bind() would connect to the holder
        }
        AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance(type);
        socket.setReuseAddress(false);
        socket.setDeleteOnClose(false);
        try {
            socket.bind(unixAddress(address));
        } catch (SocketException e) {
            socket.close();
            throw new IOException("cannot bind " + address + ": " + e.getMessage());
        }
        if (type == AFSocketType.SOCK_SEQPACKET) {
            socket.listen(128);
        }
        if (!address.startsWith("@")) { // a datagram socket's close() leaves its file: remove it on every way out, if still ours
            Map<String, Object> ours = Files.readAttributes(Path.of(address), "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(Path.of(address), ours)));
        }
        return socket;
    }

    // ---- Repeated on purpose from the model lessons ----------------------------------------------------

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
        CommandLine cli = new CommandLine(new Spy());
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
