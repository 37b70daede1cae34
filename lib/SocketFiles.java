import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The careful way to use a socket path. The post's server unlinks whatever is at its path; this
 * removes only a stale socket (a file whose server is gone, so connect is refused) and refuses
 * anything else: a live server's socket, a regular file, a folder, a symlink.
 */
public final class SocketFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketFiles() {}

    /** Makes {@code path} free to bind: creates a missing parent folder (mode 0700), removes a stale socket. */
    public static void prepareToBind(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException notAFolder) {
            throw new IOException(parent + " is not a folder, so " + path + " cannot be created in it");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IOException(path + " exists and is not a socket: left untouched");
        }
        if (isLive(path)) {
            throw new IOException(path + " is a live server's socket: left untouched");
        }
        Files.delete(path);
        System.out.println("Removed stale socket file " + path + " (its server is gone)");
    }

    /** Removes the socket file bound at {@code path} when the JVM ends (also on Ctrl-C and SIGTERM), if it is still ours. */
    public static void removeOnExit(Path path) throws IOException {
        Object ours = fileKey(path);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (Objects.equals(fileKey(path), ours)) {
                    Files.delete(path);
                }
            } catch (NoSuchFileException alreadyGone) {
                // closing the server socket removed it already
            } catch (IOException e) {
                System.err.println("could not remove " + path + ": " + e.getMessage());
            }
        }));
    }

    /** File permissions, as chmod takes them in octal: 600, 0660. */
    public record Mode(Set<PosixFilePermission> permissions) {
    }

    public static final class ModeConverter implements ITypeConverter<Mode> {
        private static final PosixFilePermission[] BITS = { // from 0400 down to 0001
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};

        @Override
        public Mode convert(String octal) {
            if (!octal.matches("0?[0-7]{3}")) {
                throw new TypeConversionException("'" + octal + "' is not a mode in octal, such as 600");
            }
            int mode = Integer.parseInt(octal, 8);
            Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
            for (int bit = 0; bit < BITS.length; bit++) {
                if ((mode & (0400 >> bit)) != 0) {
                    permissions.add(BITS[bit]);
                }
            }
            return new Mode(permissions);
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFSOCK;
    }

    /**
     * A socket file is live when the kernel lists a socket bound to it (/proc/net/unix), or, when it
     * lists none, a server still accepts on it (the file may have been moved). So a connect probe,
     * which a live server would count as a client, only ever reaches a file believed stale.
     */
    private static boolean isLive(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        for (ProcNetUnix.Row row : ProcNetUnix.read()) {
            if (row.path().isEmpty() || row.isAbstract()) {
                continue;
            }
            Path bound = Path.of(row.path()).normalize();
            // A relative path was bound in a folder we cannot see: take it as ours when it could be.
            if (bound.equals(absolute) || (!bound.isAbsolute() && absolute.endsWith(bound))) {
                return true;
            }
        }
        // The JDK's own channel (Java 16+), non-blocking: a full backlog cannot make the probe wait.
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
            return true; // accepted at once, or pending: a server is there
        } catch (SocketException e) {
            if ("Connection refused".equals(e.getMessage())) {
                return false;
            }
            if ("Resource temporarily unavailable".equals(e.getMessage())) {
                return true; // its backlog is full: a busy live server
            }
            throw new IOException("cannot tell whether " + path + " is in use (" + e.getMessage() + "): left untouched");
        }
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }
}
