///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: passes an open file over a unix socket (SCM_RIGHTS); the receiver reads a file it cannot open by name.

import java.io.*;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;
import picocli.CommandLine.Model.CommandSpec;

// Start the receiver, then the sender with a file: the receiver reads the file through the descriptor
// that came with the message, even one it may not open by name. Permissions are checked when a file
// is opened, not when it is read: passing a descriptor passes the right to read.
@Command(name = "fd-passing", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Passes an open file from one process to another over a unix socket (SCM_RIGHTS), send and receive.",
            "An ADDRESS is written as ss prints it: @NAME is an abstract name, anything else a path."},
        footer = {"", "Example:", "  jbang fd-passing.java receive @fd-demo &", "  jbang fd-passing.java send @fd-demo /etc/hostname"})
class FdPassing implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a subcommand: send or receive");
    }

    @Command(name = "send", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
            description = "Opens FILE, connects to ADDRESS and sends FILE's name with the open file attached.")
    int send(@Parameters(index = "0", paramLabel = "ADDRESS", description = "The receiver: @NAME or a path.") String address,
            @Parameters(index = "1", paramLabel = "FILE", description = "The file to open and pass.") Path file,
            @Option(names = "--unlink", description = "Remove FILE once it is open and the receiver connected: the open file lives on, without a name.") boolean unlink) throws IOException {
        if (unixAddress(address) == null) {
            throw new ParameterException(spec.commandLine(), "ADDRESS must be @NAME or a path, in 1 to 107 bytes");
        }
        FileInputStream opened;
        try {
            opened = new FileInputStream(file.toFile()); // open(): the sender's permissions are checked here, once
        } catch (FileNotFoundException e) {
            throw new IOException("cannot open " + e.getMessage());
        }
        try (opened; AFUNIXSocket receiver = AFUNIXSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            int fd = FileDescriptorCast.using(opened.getFD()).as(Integer.class);
            System.out.println("Opened " + file + " as file descriptor " + fd);
            try {
                receiver.connect(unixAddress(address));
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + address + ": " + e.getMessage());
            }
            System.out.println("Connected to " + address);
            if (unlink) {
                Files.delete(file); // the name goes; the open file stays as long as a descriptor refers to it
                System.out.println("Removed " + file + ": the open file lives on, without a name");
            }
            // sendmsg() with SCM_RIGHTS: the descriptor travels with the next write, which must carry a byte at least.
            receiver.setOutboundFileDescriptors(opened.getFD());
            receiver.getOutputStream().write(file.toString().getBytes(StandardCharsets.UTF_8));
            System.out.println("Sent the name " + file + " with file descriptor " + fd + " attached");
        } // close(): our descriptor goes; the receiver's is its own, open until it closes it
        return 0;
    }

    @Command(name = "receive", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
            description = "Listens on ADDRESS for one sender, says whether it may open the name it sends, and reads the file through the descriptor passed.")
    int receive(@Parameters(paramLabel = "ADDRESS", description = "Where to listen: @NAME or a path.") String address) throws IOException {
        if (unixAddress(address) == null) {
            throw new ParameterException(spec.commandLine(), "ADDRESS must be @NAME or a path, in 1 to 107 bytes");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) { // socket(AF_UNIX, SOCK_STREAM)
            bindListener(server, address, 1); // bind() and listen(1), with the care of the model servers
            System.out.println("Receiver listening on " + address);

            try (AFUNIXSocket sender = server.accept()) {
                System.out.println("Accepted connection from sender");
                sender.setSoTimeout(10_000); // a sender that sends nothing is let go after 10 s
                // Room for the ancillary data (the descriptors) that comes with the bytes; without it the kernel
                // closes them. ONE recvmsg(): the descriptors come with the bytes of the write they were
                // attached to, and reading on would let a sender pile up descriptors here, a few per write.
                sender.setAncillaryReceiveBufferSize(1024);
                byte[] buffer = new byte[4096]; // a file name, PATH_MAX at most
                byte[] name = Arrays.copyOf(buffer, Math.max(0, sender.getInputStream().read(buffer)));
                FileDescriptor[] received = sender.getReceivedFileDescriptors();
                System.out.println("Received message: " + escaped(name));
                if (received.length == 0) {
                    throw new IOException("the sender passed no file descriptor (SCM_RIGHTS) with its message");
                }
                System.out.println("Reading " + escaped(name) + " by name (access(2)): " + accessByName(name));
                for (FileDescriptor descriptor : received) {
                    // The kernel put the sender's open file in this process, under a number of our own.
                    try (FileInputStream file = new FileInputStream(descriptor)) {
                        int fd = FileDescriptorCast.using(descriptor).as(Integer.class);
                        Path link = Path.of("/proc/self/fd/" + fd);
                        System.out.println("Received file descriptor " + fd + ": " + link + " -> " + escaped(Files.readSymbolicLink(link).toString().getBytes(StandardCharsets.UTF_8)));
                        if (!Files.isRegularFile(link)) { // a pipe or a socket may never end: only a regular file is read
                            System.out.println("Not a regular file: not read");
                            continue;
                        }
                        byte[] content = file.readNBytes(65536); // 64 KiB at most: memory is bounded
                        System.out.println("Read through file descriptor " + fd + ": " + escaped(content) + (file.read() < 0 ? "" : "... (the first 65536 bytes)"));
                    }
                }
            }
        } // close(): the socket is gone, and bindListener's shutdown hook removes its file
        return 0;
    }

    /** Whether this process may read NAME by itself: access(2), which asks without opening (a FIFO would block). */
    static String accessByName(byte[] name) {
        try {
            Path path = Path.of(new String(name, StandardCharsets.UTF_8));
            path.getFileSystem().provider().checkAccess(path, AccessMode.READ);
            return "allowed: this process could open it without the descriptor";
        } catch (AccessDeniedException e) {
            return "Permission denied";
        } catch (NoSuchFileException e) {
            return "No such file or directory";
        } catch (FileSystemException e) {
            return String.valueOf(e.getReason());
        } catch (InvalidPathException | IOException e) {
            return "not a file name";
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
        CommandLine cli = new CommandLine(new FdPassing());
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
