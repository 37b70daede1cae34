import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A socket file's mode, as uds server takes it (--mode 600), and whom it lets connect. */
public final class FileMode {
    private FileMode() {}

    /** Whether a socket file of MODE, owned by FILE_UID and FILE_GID, lets PEER connect: connect() needs write permission. */
    static boolean modeAdmits(int mode, int fileUid, int fileGid, AFUNIXSocketCredentials peer) {
        long uid = peer.getUid();
        if (uid == 0) {
            return true; // root may connect whatever the mode
        }
        if (uid == fileUid) {
            return (mode & 0200) != 0;
        }
        if (groups(peer).contains((long) fileGid)) {
            return (mode & 0020) != 0;
        }
        return (mode & 0002) != 0;
    }

    /** The peer's groups: its gid (SO_PEERCRED), and its supplementary groups, read from /proc/PID/status. */
    private static Set<Long> groups(AFUNIXSocketCredentials peer) {
        Set<Long> groups = new HashSet<>(List.of(peer.getGid()));
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(peer.getPid()), "status"))) {
                if (line.startsWith("Groups:")) {
                    for (String group : line.substring(7).trim().split("\\s+")) {
                        if (!group.isEmpty()) {
                            groups.add(Long.parseLong(group));
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // the peer has exited: its gid alone decides
        }
        return groups;
    }

    /** A file mode in octal, as chmod takes it: 600, 0660. */
    public static final class ModeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String octal) {
            if (!octal.matches("0?[0-7]{3}")) {
                throw new TypeConversionException("'" + LessonCopies.escaped(octal.getBytes(StandardCharsets.UTF_8)) + "' is not a mode in octal, such as 600");
            }
            return Integer.parseInt(octal, 8);
        }
    }
}
