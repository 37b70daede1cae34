import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.Pattern;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.newsclub.net.unix.*;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The careful parts of binding an address, for the kit's tools: the lessons' own copies (kept the
 * same by tests/fixtures/repeated_methods.py), and what only the tools do: a socket file's mode, and
 * whether that mode admits a client.
 */
/** Only for the lessons that do not stand alone yet: removed when they do. */
public final class SocketFiles {
    private SocketFiles() {}

    // ---- Until the remaining lessons stand alone: what they still call (removed when they do). ----

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

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000;
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
