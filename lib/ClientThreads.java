import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Serves each accepted client on a thread of its own, so a slow client never holds up the next one.
 * A client that fails (its connection reset, say) is reported on stderr; the server serves on.
 * Closing waits until every client has been served.
 */
public final class ClientThreads implements AutoCloseable {
    /** What the server does with one client's input: returns the line to print. */
    @FunctionalInterface
    public interface Conversation {
        String serve(InputStream in) throws IOException;
    }

    private final String server;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** {@code server}: the name to report failures under. */
    public ClientThreads(String server) {
        this.server = server;
    }

    public void start(Socket client, Conversation conversation) {
        threads.execute(() -> {
            try (client) {
                System.out.println(conversation.serve(client.getInputStream()));
            } catch (IOException e) {
                System.err.println(server + ": a client failed: " + e.getMessage());
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        threads.shutdown();
        threads.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }
}
