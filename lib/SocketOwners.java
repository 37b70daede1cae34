import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which processes hold which sockets, found the way `ss -p` finds them: every /proc/PID/fd/N that
 * links to socket:[INODE]. A process may exit while it is read, and a user who is not root cannot
 * read other users' fd folders: neither is an error, the scan just knows less ({@link #complete()}).
 */
public final class SocketOwners {
    /** A process holding a socket: its command name (/proc/PID/comm), pid and file descriptor. */
    public record Owner(String name, int pid, int fd) {
        @Override
        public String toString() {
            return name + ",pid=" + pid + ",fd=" + fd;
        }
    }

    private final Map<Long, List<Owner>> byInode = new HashMap<>();
    private boolean complete = true;

    private SocketOwners() {}

    /** Scans every process in /proc. */
    public static SocketOwners scan() throws IOException {
        SocketOwners owners = new SocketOwners();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                owners.scanProcess(process);
            }
        }
        return owners;
    }

    /** Every process holding the socket with this inode (empty if none could be seen). */
    public List<Owner> of(long inode) {
        return byInode.getOrDefault(inode, List.of());
    }

    /** False when some process's file descriptors could not be read (not root): an empty owner list may then be incomplete. */
    public boolean complete() {
        return complete;
    }

    /** The inode a file descriptor's link names, if it is a socket: "socket:[1234]" gives 1234. */
    public static Optional<Long> socketInode(String linkTarget) {
        if (linkTarget.startsWith("socket:[") && linkTarget.endsWith("]")) {
            return Optional.of(Long.parseLong(linkTarget.substring(8, linkTarget.length() - 1)));
        }
        return Optional.empty();
    }

    private void scanProcess(Path process) {
        int pid = Integer.parseInt(process.getFileName().toString());
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            String name = null;
            for (Path fd : fds) {
                Optional<Long> inode = readLink(fd).flatMap(SocketOwners::socketInode);
                if (inode.isPresent()) {
                    if (name == null) {
                        name = commandName(process);
                    }
                    byInode.computeIfAbsent(inode.get(), i -> new ArrayList<>())
                            .add(new Owner(name, pid, Integer.parseInt(fd.getFileName().toString())));
                }
            }
        } catch (NoSuchFileException exited) {
            // the process ended while we looked: it owns nothing any more
        } catch (IOException notOurs) {
            complete = false; // another user's process, and we are not root
        }
    }

    private static Optional<String> readLink(Path fd) {
        try {
            return Optional.of(Files.readSymbolicLink(fd).toString());
        } catch (IOException closedMeanwhile) {
            return Optional.empty();
        }
    }

    private static String commandName(Path process) {
        try {
            return Files.readString(process.resolve("comm")).strip();
        } catch (IOException exited) {
            return "?";
        }
    }
}
