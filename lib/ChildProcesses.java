import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes a tool starts, and what it makes for them (a folder), ended with the tool: when it
 * exits, and on Ctrl-C or SIGTERM. The JVM runs its shutdown hook in a thread of its own while the
 * tool's main thread goes on, so a process started or a folder made after the hook had looked would
 * outlive the tool. Starting and making hold one lock with the hook, and once the hook has begun,
 * nothing more starts: the thread that tries waits until the JVM halts (an error it printed would
 * be about a step the hook itself ended).
 */
public final class ChildProcesses {
    /** How long the processes have, together, to end after SIGTERM, before SIGKILL. */
    private static final long GRACE_SECONDS = 10;

    /** Something made holding the lock: a folder, say, which the hook's AFTERWARDS removes. */
    public interface Making<T> {
        T make() throws IOException;
    }

    private final List<Process> running = new ArrayList<>(); // guarded by this, as is ending
    private boolean ending; // the shutdown hook has begun: nothing more may start

    /** Registers the hook: at the JVM's end it stops what still runs, then runs AFTERWARDS (removes what was made). */
    public ChildProcesses(Runnable afterwards) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAll(stopStarting());
            afterwards.run();
        }));
    }

    /** Starts the process, unless the end has begun; it is stopped at the end unless {@link #ended} says it has ended. */
    public synchronized Process start(ProcessBuilder builder) throws IOException, InterruptedException {
        waitIfEnding();
        Process process = builder.start();
        running.add(process);
        return process;
    }

    /** Makes something the end must undo (a folder), unless the end has begun. */
    public synchronized <T> T make(Making<T> making) throws IOException, InterruptedException {
        waitIfEnding();
        return making.make();
    }

    /** The process has ended, or been ended by the tool: the end need not stop it. */
    public synchronized void ended(Process process) {
        running.remove(process);
    }

    /** Stops the process now (as the end would) and waits for it. */
    public void stop(Process process) {
        stopAll(List.of(process));
        ended(process);
    }

    /** Called holding the lock: once the hook has begun, waits (the lock let go) until the JVM halts. */
    private void waitIfEnding() throws InterruptedException {
        while (ending) {
            wait();
        }
    }

    private synchronized List<Process> stopStarting() {
        ending = true;
        return List.copyOf(running);
    }

    /**
     * SIGTERM to each first, so that a server removes its socket file and a JVM cleans up after
     * itself; SIGKILL to those that have not ended within the grace time.
     */
    private static void stopAll(List<Process> processes) {
        processes.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        try {
            for (Process process : processes) {
                process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.forEach(Process::destroyForcibly); // no-op for those that have ended
    }
}
