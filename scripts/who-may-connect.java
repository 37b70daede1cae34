///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: "hidden, private"? Who may connect to a pathname socket and to an abstract one, and where each name is visible.

import com.sun.security.auth.module.UnixSystem;
import java.io.*;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// It starts real clients, as another user (nobody) and in another network namespace, and the kernel
// answers: a socket in a private folder refuses the other user (EACCES); an abstract name, listed for
// all in /proc/net/unix, lets anyone in unless the server checks SO_PEERCRED; a new network namespace
// neither sees nor reaches an abstract name, while a path stays reachable. Not hidden, not private.
@Command(name = "who-may-connect", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Shows with real processes who may connect to a pathname socket and to an abstract one, and where each name is visible.",
            "Run as root, it starts clients as the user nobody too; without root it says what it cannot show and shows the rest.",
            "Each claim is checked against what the kernel did: exit 1 if one does not hold."},
        footer = {"", "Example:", "  jbang who-may-connect.java"})
class WhoMayConnect implements Callable<Integer> {
    @Option(names = "--client", hidden = true, paramLabel = "ADDRESS", description = "The lesson's own client: connects to ADDRESS (@NAME or a path); its exit status says what the kernel did.")
    String clientOf;

    // The client's exit status: 0 served; 3 let in by the kernel, then sent away by the server; otherwise
    // the errno of its connect(): 13 EACCES (permission denied), 111 ECONNREFUSED (no one listens there).
    static final int SERVED = 0, SENT_AWAY = 3, EACCES = 13, ECONNREFUSED = 111;
    // The other user (nogroup is nobody's group on Debian and Ubuntu; Fedora calls it nobody).
    static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");

    @Override
    public Integer call() throws Exception {
        if (clientOf != null) {
            if (unixAddress(clientOf) == null) {
                throw new ParameterException(new CommandLine(this), "--client must be @NAME or a path, in 1 to 107 bytes");
            }
            return connectAsClient(clientOf);
        }
        long uid = new UnixSystem().getUid();
        // Whatever this run makes is removed on every way out, Ctrl-C too (see "What the run leaves" below).
        Runtime.getRuntime().addShutdownHook(new Thread(WhoMayConnect::stop));
        Path folder = makePrivateFolder();
        String path = folder.resolve("socket").toString();
        String name = "@" + folder.getFileName(); // an abstract name unique to this run, whatever pid namespace it is in
        if (listedInKernelTable(name.substring(1), "0001")) { // junixsocket's bind() would connect to its holder
            throw new IOException(name + " is already in use");
        }
        System.out.println("Who may connect, and where is a name visible? This process is uid " + uid + "; each client below");
        System.out.println("is a process of its own, and its exit status says what the kernel did at its connect().");

        System.out.println();
        System.out.println("=== Part 1. Who may connect: another user tries");
        List<String> asOther = otherUser(uid);
        String classPath = asOther == null ? null : copyClassPathForAll();
        privateFolderKeepsOthersOut(path, asOther, classPath);
        abstractNameLetsAnyoneIn(name, asOther, classPath, uid);
        serverChecksPeerCredentials(name, asOther, classPath, uid);
        removeClassPathCopy();
        System.out.println();
        System.out.println("So: for anything privileged, listen on a pathname socket in a private folder (700, or 750 and a");
        System.out.println("group of your choice): the kernel keeps strangers out before your server runs a line. An abstract");
        System.out.println("name has no owner and no permission bits: anyone in its network namespace may connect, or take the");
        System.out.println("name first. Where you must use one, check SO_PEERCRED on every connection, and mind what a uid");
        System.out.println("proves: containerd-shim let in uid 0 only, and root in a container is uid 0 too (CVE-2020-15257).");

        System.out.println();
        System.out.println("=== Part 2. Where a name is visible: another network namespace tries");
        List<String> inOtherNamespace = otherNetworkNamespace(uid);
        abstractNameStaysInItsNamespace(name, inOtherNamespace);
        pathReachesEveryNamespace(path, inOtherNamespace);
        System.out.println();
        System.out.println("So: abstract names belong to a network namespace, socket files to the file system. A container with");
        System.out.println("a network namespace of its own (Docker's default) neither sees nor reaches the host's abstract names;");
        System.out.println("one run with --net=host shares the host's namespace and every abstract name in it: so containers");
        System.out.println("reached containerd-shim's API (CVE-2020-15257; it listens on a path since). A socket file reaches");
        System.out.println("into a container only where its folder is mounted in, and there its permissions still decide.");

        removePrivateFolder();
        claim(Files.notExists(folder) && !listedInKernelTable(name.substring(1), "0001"), "nothing is left behind");
        System.out.println();
        System.out.println(notShown == 0 ? "Every claim held, and nothing is left behind."
                : "Every claim shown held (" + notShown + " parts could not be shown here: see above), and nothing is left behind.");
        return 0;
    }

    /** Step 1: connect() to a socket file needs search permission on its folders: the other user gets EACCES. */
    static void privateFolderKeepsOthersOut(String path, List<String> asOther, String classPath) throws Exception {
        System.out.println("== Step 1. A pathname socket in a private folder: the kernel refuses the other user");
        try (Listener server = Listener.listen(path, -1)) {
            // connect() needs write permission on the socket file and search permission on every folder above it.
            // The file's mode comes from the umask at bind(), once the file exists; the folder was private before
            // that. So the folder is the guard: here the socket file is even open to all, as umask 000 leaves it.
            Files.setPosixFilePermissions(Path.of(path), PosixFilePermissions.fromString("rw-rw-rw-"));
            System.out.println(mode(Path.of(path).getParent()));
            System.out.println(mode(Path.of(path)) + "  (open to all: the folder alone keeps others out)");
            if (asOther == null) {
                cannotShow("nobody's client refused: it would exit 13 (EACCES), stopped at the folder");
                return;
            }
            int status = run(asOther, javaClient(classPath, path));
            claim(status == EACCES, "the other user's connect() fails with EACCES (exit status 13, not " + status + ")");
            claim(server.served.isEmpty() && server.sentAway.isEmpty(), "the server saw no connection");
            System.out.println("The kernel refused nobody at connect() (EACCES): the server never saw it.");
        }
    }

    /** Step 2: an abstract name has no file, so no owner and no mode: anyone may read it in /proc/net/unix and connect. */
    static void abstractNameLetsAnyoneIn(String name, List<String> asOther, String classPath, long uid) throws Exception {
        System.out.println();
        System.out.println("== Step 2. An abstract socket: the other user connects, though nothing gave it the name");
        try (Listener server = Listener.listen(name, -1)) {
            System.out.println("No file: no owner, no permission bits. And the kernel lists the name in a file that every");
            System.out.println("user may read: " + mode(Path.of("/proc/net/unix")));
            int status = run(asOther == null ? List.of() : asOther, grep(name));
            claim(status == 0, "/proc/net/unix lists " + name + (asOther == null ? "" : " for the other user") + " (grep's exit status 0, not " + status + ")");
            if (asOther == null) {
                cannotShow("nobody's client served: it would connect and be served, as any user's client would");
                return;
            }
            status = run(asOther, javaClient(classPath, name));
            claim(status == SERVED, "the other user is served (exit status 0, not " + status + ")");
            claim(server.served.size() == 1 && server.served.get(0) != uid, "the server served a client of another uid");
            System.out.println("The user nobody read the name, connected and was served: only the server itself could say no.");
        }
    }

    /** Step 3: the defence on an abstract name: the server asks the kernel who connected, and sends other users away. */
    static void serverChecksPeerCredentials(String name, List<String> asOther, String classPath, long uid) throws Exception {
        System.out.println();
        System.out.println("== Step 3. The defence: the server asks who connected (SO_PEERCRED) and sends other users away");
        try (Listener server = Listener.listen(name, uid)) {
            System.out.println("It serves uid " + uid + " only: the kernel recorded each client's uid at connect(), the client cannot forge it.");
            if (asOther == null) {
                cannotShow("nobody's client sent away: the kernel would let it in, the server send it away (exit 3)");
            } else {
                int status = run(asOther, javaClient(classPath, name));
                claim(status == SENT_AWAY, "the other user gets in, then is sent away (exit status 3, not " + status + ")");
                claim(server.sentAway.size() == 1 && server.sentAway.get(0) != uid, "the server sent a client of another uid away");
            }
            int status = run(List.of(), javaClient(System.getProperty("java.class.path"), name));
            claim(status == SERVED, "a client of the server's own user is served (exit status 0, not " + status + ")");
            claim(server.served.equals(List.of(uid)), "the server served its own user");
            System.out.println("The kernel let each client in; the server chose whom to serve, on the kernel's word.");
        }
    }

    /** Step 4: abstract names live in a network namespace: from another one, the name is neither listed nor reachable. */
    static void abstractNameStaysInItsNamespace(String name, List<String> inOtherNamespace) throws Exception {
        System.out.println("== Step 4. An abstract socket, from another network namespace: neither listed nor reachable");
        try (Listener server = Listener.listen(name, -1)) {
            int status = run(List.of(), grep(name));
            claim(status == 0, "/proc/net/unix lists " + name + " here (grep's exit status 0, not " + status + ")");
            if (inOtherNamespace == null) {
                cannotShow("the name from another namespace: grep would exit 1 (not listed), the client 111 (ECONNREFUSED)");
                return;
            }
            status = run(inOtherNamespace, grep(name));
            claim(status == 1, "/proc/net/unix does not list " + name + " in the new namespace (grep's exit status 1, not " + status + ")");
            status = run(inOtherNamespace, javaClient(System.getProperty("java.class.path"), name));
            claim(status == ECONNREFUSED, "connect() from the new namespace fails with ECONNREFUSED (exit status 111, not " + status + ")");
            claim(server.served.isEmpty() && server.sentAway.isEmpty(), "the server saw no connection");
            System.out.println("The new namespace has a table of its own, without the name: connect() finds no one (ECONNREFUSED).");
        }
    }

    /** Step 5: a socket file is found through the file system, which the new namespace shares: reachable from there. */
    static void pathReachesEveryNamespace(String path, List<String> inOtherNamespace) throws Exception {
        System.out.println();
        System.out.println("== Step 5. A pathname socket, from another network namespace: not listed there, yet reachable");
        try (Listener server = Listener.listen(path, -1)) {
            int status = run(List.of(), grep(path));
            claim(status == 0, "/proc/net/unix lists " + path + " here (grep's exit status 0, not " + status + ")");
            if (inOtherNamespace == null) {
                cannotShow("the path from another namespace: grep would exit 1 (not listed), the client be served");
                return;
            }
            status = run(inOtherNamespace, grep(path));
            claim(status == 1, "/proc/net/unix does not list " + path + " in the new namespace (grep's exit status 1, not " + status + ")");
            status = run(inOtherNamespace, javaClient(System.getProperty("java.class.path"), path));
            claim(status == SERVED, "a client in the new namespace is served through the file (exit status 0, not " + status + ")");
            claim(server.served.size() == 1, "the server served the client from the new namespace");
            System.out.println("The server is in this namespace's table only; connect() found it through its file.");
        }
    }

    // ---- The clients: processes of their own, as another user or in another network namespace ----

    /** How to run a command as another user, or null: only root may start a process as another user. */
    static List<String> otherUser(long uid) throws Exception {
        if (uid != 0) {
            System.out.println("Only root may start a process as another user, and this process is uid " + uid + ": the parts that");
            System.out.println("need one are not shown. As root, the lesson runs them so: " + String.join(" ", AS_NOBODY) + " java ...");
            return null;
        }
        // The probe runs this JVM's java as nobody: a JDK in root's home (JBang's own download) would not do.
        if (ifItWorks(AS_NOBODY, List.of(javaCommand(), "-XX:-UsePerfData", "-version"), "Another user, nobody, runs the clients marked so")) {
            return AS_NOBODY;
        }
        System.out.println("The parts that need another user are not shown.");
        return null;
    }

    /** How to run a command in a new network namespace, or null if this system does not let this process make one. */
    static List<String> otherNetworkNamespace(long uid) throws Exception {
        // Root may make one alone (with CAP_SYS_ADMIN); anyone may together with a user namespace, where the system allows those.
        List<String> alone = List.of("unshare", "--net"), withUserNamespace = List.of("unshare", "--user", "--net");
        for (List<String> unshare : uid == 0 ? List.of(alone, withUserNamespace) : List.of(withUserNamespace)) {
            if (ifItWorks(unshare, List.of("true"), "A new network namespace (the file system stays shared) for the clients marked so")) {
                return unshare;
            }
        }
        System.out.println("(A network namespace alone needs root with CAP_SYS_ADMIN; any other user needs a user namespace with it.)");
        System.out.println("The parts that need one are not shown.");
        return null;
    }

    /** Whether PROBE runs behind WRAPPER here: if so, WRAPPER is shown as WHAT; if not, why not, in its own words. */
    static boolean ifItWorks(List<String> wrapper, List<String> probe, String what) throws Exception {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(probe);
        String failure;
        try {
            Process process = start(command);
            byte[] said = process.getInputStream().readNBytes(4096);
            failure = process.waitFor() == 0 ? null : escaped(said).replaceAll("(\\\\n)+$", "");
        } catch (IOException notInstalled) {
            failure = escaped(String.valueOf(notInstalled.getMessage()).getBytes(StandardCharsets.UTF_8));
        } finally {
            ended();
        }
        System.out.println(failure == null ? what + ": " + String.join(" ", wrapper) : "`" + String.join(" ", command) + "` fails here: " + failure);
        return failure == null;
    }

    /** A command, how the lesson shows it, and what its exit statuses mean. */
    record Program(List<String> words, String shown, Map<Integer, String> meanings) {
    }

    /** This JVM's java, running this class as a client of ADDRESS from CLASS_PATH. */
    static Program javaClient(String classPath, String address) {
        // -XX:-UsePerfData: the JVM makes no /tmp/hsperfdata_USER folder, which would stay behind. --client=@NAME
        // in one word: picocli reads a word that starts with @ as the name of a file of arguments, if there is one.
        return new Program(List.of(javaCommand(), "--enable-native-access=ALL-UNNAMED",
                "-XX:-UsePerfData", "-cp", classPath, WhoMayConnect.class.getName(), "--client=" + address),
                "java ... " + WhoMayConnect.class.getName() + " --client=" + address, Map.of(SERVED, "served", SENT_AWAY, "let in, then sent away by the server",
                EACCES, "EACCES, permission denied", ECONNREFUSED, "ECONNREFUSED, no one listens there"));
    }

    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** grep for ADDRESS at the end of a row of /proc/net/unix (the lesson's names hold no character special to grep). */
    static Program grep(String address) {
        return new Program(List.of("grep", " " + address + "$", "/proc/net/unix"), "grep ' " + address + "$' /proc/net/unix",
                Map.of(0, "listed", 1, "not listed"));
    }

    /** Runs PROGRAM behind WRAPPER (as another user, in another namespace, or none), shows what it printed, returns its exit status. */
    static int run(List<String> wrapper, Program program) throws Exception {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(program.words());
        System.out.println("$ " + String.join(" ", wrapper) + (wrapper.isEmpty() ? "" : " ") + program.shown());
        Process process = start(command);
        // Its output is shown escaped once it has ended, 64 KiB at most (the rest is counted).
        byte[] output = process.getInputStream().readNBytes(65536);
        long more = process.getInputStream().transferTo(OutputStream.nullOutputStream());
        int status = process.waitFor();
        ended();
        for (String line : new String(output, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            if (!line.isEmpty()) {
                System.out.println("  " + escaped(line.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        String meaning = program.meanings().get(status);
        System.out.println("  exit status " + status + (meaning == null ? "" : ": " + meaning) + (more == 0 ? "" : " (" + more + " more bytes of output not shown)"));
        return status;
    }

    /** The client (--client): connects to ADDRESS and reads the server's answer; its exit status says what happened. */
    static int connectAsClient(String address) throws IOException {
        String me = "client (uid " + new UnixSystem().getUid() + ")";
        try (AFUNIXSocket socket = AFUNIXSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            try {
                socket.connect(unixAddress(address)); // connect(): the kernel lets it in, or says why not
            } catch (SocketException e) {
                System.out.println(me + ": connect(): " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                return errno(address);
            }
            socket.setSoTimeout(10_000);
            byte[] answer = socket.getInputStream().readNBytes(1024); // recv() until the server closes
            if (answer.length == 0) {
                System.out.println(me + ": connected, and the server closed without a word");
                return SENT_AWAY;
            }
            System.out.println(me + ": connected; the server answered: " + escaped(answer).replaceAll("\\\\n$", ""));
            return SERVED;
        }
    }

    /**
     * What connect() to ADDRESS failed with: junixsocket throws ECONNREFUSED, EACCES and ENOENT as one
     * type, and the message is strerror's, in the user's language; the file system says which it was
     * (access(2), whose answer the JDK gives a type of its own). An abstract name has no file: refused.
     */
    static int errno(String address) {
        if (address.startsWith("@")) {
            return ECONNREFUSED;
        }
        try {
            Path path = Path.of(address);
            path.getFileSystem().provider().checkAccess(path, AccessMode.WRITE); // connect() needs search on the folders, write on the file
            return ECONNREFUSED; // the file is there, and this process may use it: no socket is bound to it
        } catch (AccessDeniedException denied) {
            return EACCES;
        } catch (IOException | InvalidPathException other) {
            return 1; // no such file, say
        }
    }

    // ---- The server: a listening socket in this process, and a thread that answers its clients ----

    /** A stream server on ADDRESS that answers each client "hello, uid N"; with ONLY_UID >= 0, only clients of that uid. */
    static final class Listener implements AutoCloseable {
        final AFUNIXServerSocket socket;
        final long onlyUid;
        final List<Long> served = new CopyOnWriteArrayList<>(), sentAway = new CopyOnWriteArrayList<>();
        final Thread thread = new Thread(this::serve);

        Listener(AFUNIXServerSocket socket, long onlyUid) {
            this.socket = socket;
            this.onlyUid = onlyUid;
        }

        static Listener listen(String address, long onlyUid) throws IOException {
            AFUNIXServerSocket socket = AFUNIXServerSocket.newInstance(); // socket(AF_UNIX, SOCK_STREAM)
            socket.setReuseAddress(false); // else junixsocket would move a live server's file away and take its path
            socket.setDeleteOnClose(false); // else close() would delete whatever file is at the path by then
            // bind() and listen(16): a path in this run's own new folder, or the name found free at the start.
            bindAndListen(socket, unixAddress(address));
            System.out.println("Server (uid " + new UnixSystem().getUid() + ") listening on " + address);
            Listener listener = new Listener(socket, onlyUid);
            listener.thread.start();
            return listener;
        }

        void serve() {
            while (!socket.isClosed()) {
                try (AFUNIXSocket client = socket.accept()) {
                    // getsockopt(SO_PEERCRED): what the kernel recorded when the client called connect().
                    AFUNIXSocketCredentials peer = client.getPeerCredentials();
                    String who = "pid=" + peer.getPid() + " uid=" + peer.getUid() + " gid=" + peer.getGid();
                    if (onlyUid >= 0 && peer.getUid() != onlyUid) {
                        System.out.println("Server: sends away " + who + " (SO_PEERCRED): not uid " + onlyUid);
                        sentAway.add(peer.getUid());
                        continue; // close() without a word
                    }
                    System.out.println("Server: serves " + who + " (SO_PEERCRED)");
                    served.add(peer.getUid());
                    client.getOutputStream().write(("hello, uid " + peer.getUid() + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        System.out.println("Server: a client failed: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
        }

        @Override
        public void close() throws Exception {
            socket.close(); // close(): an abstract name vanishes with it; a socket file stays, and goes next
            thread.join();
            removeSocketFile();
        }
    }

    // ---- What the run leaves: nothing. All it makes is recorded here, under one lock with the shutdown hook ----

    static Path privateFolder, classPathCopy, socketFile;
    static Map<String, Object> socketFileIds;
    static Process running;
    static volatile boolean stopping; // set by the shutdown hook: from then on nothing new is made
    static int notShown;

    /** The private folder of step 1: mkdir with mode 700 in one step, under a name no one can guess and make first. */
    static synchronized Path makePrivateFolder() throws IOException {
        checkNotStopping();
        privateFolder = Files.createTempDirectory(Path.of("/tmp"), "uds-who-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return privateFolder;
    }

    static synchronized void removePrivateFolder() throws IOException {
        if (privateFolder != null) {
            Files.delete(privateFolder); // empty by now: its socket file went first
            privateFolder = null;
        }
    }

    /** A copy of this JVM's class path that any user may read (JBang's cache is in its user's home), as a -cp value. */
    static synchronized String copyClassPathForAll() throws IOException {
        checkNotStopping();
        classPathCopy = Files.createTempDirectory(Path.of("/tmp"), "uds-who-classes-");
        Files.setPosixFilePermissions(classPathCopy, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (!Files.isRegularFile(jar) || !entry.endsWith(".jar")) {
                throw new IOException("cannot copy " + entry + " for the other user: not a jar");
            }
            Path copy = Files.copy(jar, classPathCopy.resolve(jar.getFileName()));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return classPathCopy + "/*";
    }

    static synchronized void removeClassPathCopy() throws IOException {
        if (classPathCopy != null) {
            try (DirectoryStream<Path> copies = Files.newDirectoryStream(classPathCopy)) {
                for (Path copy : copies) {
                    Files.delete(copy);
                }
            }
            Files.delete(classPathCopy);
            classPathCopy = null;
        }
    }

    /** bind() and listen(): a socket file is recorded with its device, inode and time made, to remove only this very file. */
    static synchronized void bindAndListen(AFUNIXServerSocket socket, AFUNIXSocketAddress address) throws IOException {
        checkNotStopping();
        socket.bind(address, 16);
        if (!address.isInAbstractNamespace()) {
            socketFile = address.getFile().toPath();
            socketFileIds = Files.readAttributes(socketFile, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        }
    }

    static synchronized void removeSocketFile() {
        if (socketFile != null) {
            removeOwnSocketFile(socketFile, socketFileIds);
            socketFile = null;
        }
    }

    /** Starts a client, a probe or grep (its standard error mixed into its output), and records it until it ends. */
    static synchronized Process start(List<String> command) throws IOException {
        checkNotStopping();
        running = new ProcessBuilder(command).redirectErrorStream(true).start();
        return running;
    }

    static synchronized void ended() {
        running = null;
    }

    /** The shutdown hook: nothing new is made from now on, and what is left goes (after a normal run: nothing). */
    static synchronized void stop() {
        stopping = true;
        if (running != null) { // stopped half-way: the running client goes too
            running.destroyForcibly();
            running.onExit().join();
        }
        removeSocketFile();
        try {
            removeClassPathCopy();
            removePrivateFolder();
        } catch (IOException e) {
            System.err.println("who-may-connect: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)) + " is left behind");
        }
    }

    static void checkNotStopping() throws IOException {
        if (stopping) {
            throw new IOException("stopped");
        }
    }

    /** PATH's type, mode and owner, as ls -ld shows them. */
    static String mode(Path path) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String type = attributes.isDirectory() ? "d" : attributes.isOther() ? "s" : "-";
        return type + PosixFilePermissions.toString(attributes.permissions()) + " " + attributes.owner().getName() + " " + path;
    }

    static void cannotShow(String what) {
        notShown++;
        System.out.println("Not shown here: " + what + ".");
    }

    static void claim(boolean holds, String what) throws IOException {
        checkNotStopping(); // stopped half-way (Ctrl-C): what did not happen is no failed claim
        if (!holds) {
            throw new IOException("the claim did not hold: " + what);
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
        CommandLine cli = new CommandLine(new WhoMayConnect());
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
