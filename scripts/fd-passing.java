///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/AddressNotation.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Passes an open file over a unix socket (SCM_RIGHTS): the receiver reads a file it cannot open by name.

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fd-passing", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Passes an open file from one process to another over a unix socket",
            "(SCM_RIGHTS). The sender opens FILE and sends its name with the open file",
            "attached; the receiver tries the name, then reads the file through the",
            "descriptor it received. Permissions are checked when a file is opened, not",
            "when it is read: the receiver reads a file it could not open itself.",
            "An ADDRESS is written the way ss prints it: @name is an abstract socket,",
            "anything else a path."},
        footer = {"", "Examples:", "  fd-passing receive @fd-demo &", "  fd-passing send @fd-demo /etc/hostname"})
class FdPassing implements Callable<Integer> {
    private static final int MAX_SHOWN_BYTES = 65536;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a subcommand: send or receive");
    }

    @Command(name = "send", mixinStandardHelpOptions = true, version = Cli.VERSION,
            description = "Opens FILE, connects to ADDRESS and sends FILE's name with the open file attached.")
    int send(@Parameters(index = "0", paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
                    description = "The receiver: @name (abstract) or a path.") String address,
            @Parameters(index = "1", paramLabel = "FILE", description = "The file to open and pass.") Path file,
            @Option(names = "--unlink", description = "Remove FILE once it is open and the receiver is connected: "
                    + "the open file lives on, without a name.") boolean unlink) throws IOException {
        FileInputStream opened;
        try {
            opened = new FileInputStream(file.toFile()); // the sender's permissions are checked here, once
        } catch (FileNotFoundException e) {
            throw new IOException("cannot open " + e.getMessage());
        }
        try (opened; AFUNIXSocket receiver = AFUNIXSocket.newInstance()) {
            int fd = number(opened.getFD());
            System.out.println("Opened " + file + " as file descriptor " + fd);
            try {
                receiver.connect(AddressNotation.of(address));
            } catch (SocketException e) {
                throw new IOException("cannot connect to " + AddressNotation.shown(address) + ": " + e.getMessage());
            }
            System.out.println("Connected to " + AddressNotation.shown(address));
            if (unlink) {
                Files.delete(file); // the name goes; the open file stays as long as a descriptor refers to it
                System.out.println("Removed " + file + ": the open file lives on, without a name");
            }
            // SCM_RIGHTS: the descriptor travels with the next write, which must carry at least one byte.
            receiver.setOutboundFileDescriptors(opened.getFD());
            receiver.getOutputStream().write(file.toString().getBytes(StandardCharsets.UTF_8));
            System.out.println("Sent the name " + file + " with file descriptor " + fd + " attached");
        } // closing our copy leaves the receiver's open: each process holds its own descriptor
        return 0;
    }

    @Command(name = "receive", mixinStandardHelpOptions = true, version = Cli.VERSION,
            description = "Listens on ADDRESS for one sender, tries the name it sends, then reads the file through the descriptor it passed.")
    int receive(@Parameters(paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
            description = "Where to listen: @name (abstract) or a path.") String address) throws IOException {
        String shown = AddressNotation.shown(address);
        boolean pathname = !SocketAddresses.isAbstract(address);
        if (pathname) {
            SocketFiles.prepareToBind(Path.of(address));
        } else if (ProcNetUnix.isBound(shown)) {
            throw new IOException(shown + " is already in use by another process");
        }
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.setReuseAddress(false); // junixsocket would otherwise take over a live server's path
            try {
                server.bind(AddressNotation.of(address));
            } catch (SocketException e) {
                throw new IOException("cannot bind " + shown + ": " + e.getMessage());
            }
            if (pathname) {
                SocketFiles.removeOnExit(Path.of(address));
            }
            System.out.println("Receiver listening on " + shown);

            try (AFUNIXSocket sender = server.accept()) {
                System.out.println("Accepted connection from sender");
                // Room for the ancillary data (the descriptors) that arrives with the bytes; without it, none is kept.
                sender.setAncillaryReceiveBufferSize(1024);
                byte[] name = sender.getInputStream().readAllBytes();
                FileDescriptor[] received = sender.getReceivedFileDescriptors();
                System.out.println("Received message: " + Messages.printable(name));
                if (received == null || received.length == 0) {
                    throw new IOException("the sender passed no file descriptor (SCM_RIGHTS) with its message");
                }
                System.out.println("Opening " + Messages.printable(name) + " by name: " + openByName(name));
                for (FileDescriptor descriptor : received) {
                    // The kernel installed the sender's open file in this process, under a number of our own.
                    int fd = number(descriptor);
                    System.out.println("Received file descriptor " + fd + ": /proc/self/fd/" + fd + " -> "
                            + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)));
                    try (InputStream file = new FileInputStream(descriptor)) {
                        byte[] content = file.readNBytes(MAX_SHOWN_BYTES);
                        String more = file.read() < 0 ? "" : " (the first " + MAX_SHOWN_BYTES + " bytes)";
                        System.out.println("Read through file descriptor " + fd + ": " + Messages.printable(content) + more);
                    }
                }
            }
        }
        return 0;
    }

    /** What opening NAME as this process gives: the open file (closed again) or the kernel's refusal. */
    private static String openByName(byte[] name) {
        try (InputStream in = Files.newInputStream(Path.of(new String(name, StandardCharsets.UTF_8)))) {
            return "it opens: this process may read it without the descriptor";
        } catch (AccessDeniedException e) {
            return "Permission denied";
        } catch (NoSuchFileException e) {
            return "No such file or directory";
        } catch (FileSystemException e) {
            return e.getReason();
        } catch (InvalidPathException | IOException e) {
            return "not a file name (" + e.getMessage() + ")";
        }
    }

    /** A descriptor's number in this process, as /proc/self/fd lists it. */
    private static int number(FileDescriptor descriptor) throws IOException {
        return FileDescriptorCast.using(descriptor).as(Integer.class);
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new FdPassing(), args));
    }
}
