import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import picocli.CommandLine.Option;

/**
 * The servers' options about who is on the other end (SO_PEERCRED): show each client's pid, uid
 * and gid, and admit only some uids. The kernel records a client's credentials when it connects,
 * so a client cannot lie about them.
 */
public class PeerOptions {
    @Option(names = "--credentials", description = "Show each client's pid, uid and gid, as the kernel saw them (SO_PEERCRED).")
    boolean show;

    @Option(names = "--allow-uid", paramLabel = "UID",
            description = "Serve only clients running as UID (repeatable); others are refused before a byte is read.")
    List<Long> allowedUids = new ArrayList<>();

    /** Whether to serve this client; if not, says so and closes the connection before a byte is read. */
    public boolean admit(Closeable client, AFUNIXSocketCredentials peer) throws IOException {
        if (allowedUids.isEmpty() || allowedUids.contains(peer.getUid())) {
            return true;
        }
        System.out.println("Refused connection from " + describe(peer) + ": uid not allowed");
        client.close();
        return false;
    }

    /** " (pid=N uid=N gid=N)" with --credentials, else "". */
    public String shown(AFUNIXSocketCredentials peer) {
        return show ? " (" + describe(peer) + ")" : "";
    }

    public static String describe(AFUNIXSocketCredentials peer) {
        return "pid=" + peer.getPid() + " uid=" + peer.getUid() + " gid=" + peer.getGid();
    }
}
