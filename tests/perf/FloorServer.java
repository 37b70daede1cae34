import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** tests/perf/startup's floor: the least a JVM does to listen on an abstract name with junixsocket
 *  (no picocli, no checks, no output), started with the launcher's options and an archive of its own. */
class FloorServer {
    public static void main(String[] args) throws Exception {
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.bind(AFUNIXSocketAddress.inAbstractNamespace(args[0])); // bind + listen
            server.accept().close();
        }
    }
}
