///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED --limit-modules=java.se,jdk.jshell,jdk.zipfs,jdk.unsupported -Djava.util.logging.config.file=/dev/null
//DESCRIPTION A JShell playground: an abstract server and a client in one session, their rows in /proc/net/unix, and the name gone after close.

// The playground: junixsocket in JShell, and a server and a client on an abstract
// name in ONE session (the kernel queues a connection until it is accepted, so one thread can play both).
//
//   ./jbang playground@catalog                 runs it as a script: exit 0, or 1 with one line on stderr
//   ./jbang -Duds.playground.interactive=true --interactive scripts/playground.jsh
//                                              runs it, then leaves you at the jshell> prompt with
//                                              name, address, server, client, accepted, received defined
//
// --interactive alone leaves out JBang's closing /exit, but the file cannot see that: without the
// property it ends with System.exit(0) before the prompt. A failure exits 1 in either mode.
//
// Like the lessons, it is one file: copied alone, it runs. Why --limit-modules: JBang starts JShell
// with --add-modules=ALL-SYSTEM, and the JVM warns on stderr about the JDK's incubator modules among
// them: --limit-modules keeps them out. Why the empty logging configuration: JShell keeps its settings
// with java.util.prefs, which logs "INFO: Created user preferences directory." on stderr the first
// time a user runs it; with no log handlers, JShell's JVM prints no log record. Why C1 alone and the
// serial collector: JShell runs javac on every snippet, and its JVM gets through that in about half
// the CPU time without C2 (measured: 8.5 s down to 5 for this file).

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

// ---- How the playground fails loudly. JShell reports an exception or a compile error and goes on
// with the next line, and ends with exit code 0. So each step runs through step() or run(): the
// first failure prints one line on stderr and exits 1. A shutdown hook catches the rest (a line that
// did not compile): unless the last line ran, the exit code is 1.
boolean interactive = Boolean.getBoolean("uds.playground.interactive"); // -Duds.playground.interactive=true
boolean finished = false;
boolean reported = false;
Runtime.getRuntime().addShutdownHook(new Thread(() -> {
    if (!finished) {
        if (!reported) System.err.println("playground: stopped before its end (see JShell's error above)");
        Runtime.getRuntime().halt(1); // an exit code of 1 even when JShell's /exit asked for 0
    }
}));
void fail(String message) {
    reported = true;
    System.err.println("playground: " + message);
    System.exit(1);
}
<T> T step(String what, Callable<T> action) {
    try {
        return action.call();
    } catch (Exception e) {
        fail(what + ": " + e.getMessage());
        return null;
    }
}
interface Action { void run() throws Exception; }
void run(String what, Action action) { step(what, () -> { action.run(); return null; }); }
void check(boolean expected, String otherwise) { if (!expected) fail(otherwise); }

// ---- The lesson.
// A name unique to this run: abstract names are global to the network namespace, and no file
// shows that one is taken.
String name = "playground-" + ProcessHandle.current().pid();
String message = "Hello, abstract socket!";
// The post's b'\0playground-...': a leading NUL byte makes the name abstract, so no file is made.
AFUNIXSocketAddress address = step("cannot make the address @" + name, () -> AFUNIXSocketAddress.inAbstractNamespace(name));

// socket(), bind() and listen() in one call.
AFUNIXServerSocket server = step("cannot bind @" + name, () -> AFUNIXServerSocket.bindOn(address));
System.out.println("Server is listening on abstract socket: @" + name);

// connect() returns before any accept(): the kernel queues the connection on the listener.
AFUNIXSocket client = step("cannot connect to @" + name, () -> AFUNIXSocket.connectTo(address));
// The message, then the end of the stream (shutdown(SHUT_WR)): the server reads until it, and the
// client may still read a reply. (Through the channel: on JDK 25, junixsocket 2.10.1's
// Socket.shutdownOutput() says "Socket is not connected".)
run("cannot send", () -> {
    client.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    client.getChannel().shutdownOutput();
});

// The server's side: accept() takes the queued connection; read all, until the client's end of stream.
AFUNIXSocket accepted = step("cannot accept", () -> server.accept());
// (Both ends are this session's own, so the bytes are printed as they are: a server for others would
// escape them, and bound what it keeps, as the lessons do.)
String received = step("cannot read", () -> new String(accepted.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
System.out.println("Server received: " + received);
check(message.equals(received), "the server received '" + received + "', not '" + message + "'");

// The kernel's view, /proc/net/unix: the name with a leading @, twice: the listener (flags 00010000,
// state 01) and the accepted connection (state 03). The client has no name, so it is not among them.
// Num RefCount Protocol Flags Type St Inode Path: split in 8 fields at most, as a Path may hold spaces.
List<String> rows(String address) throws IOException {
    return Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1).stream()
            .filter(row -> row.split(" +", 8).length == 8 && row.split(" +", 8)[7].equals(address)).toList();
}
List<String> rows = step("cannot read /proc/net/unix", () -> rows("@" + name));
System.out.println(step("cannot read /proc/net/unix", () -> Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1).get(0)));
rows.forEach(System.out::println);
check(rows.size() == 2, "expected 2 rows for @" + name + " in /proc/net/unix, found " + rows.size());

// The same rows as ss -x -a -p shows them, with their owner. ss looks through every /proc/PID/fd for a
// link to socket:[INODE]; these sockets are this JVM's own, so /proc/self/fd is enough.
void ss(String address) throws IOException {
    String owner = "\"" + Files.readString(Path.of("/proc/self/comm")).strip() + "\",pid=" + ProcessHandle.current().pid();
    System.out.println("Netid  State   Inode  Local Address  Process");
    for (String row : rows(address)) {
        String[] field = row.split(" +", 8);
        String state = field[3].equals("00010000") ? "LISTEN" : field[5].equals("03") ? "ESTAB" : "St " + field[5];
        List<String> owners = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                if (Files.isSymbolicLink(fd) && Files.readSymbolicLink(fd).toString().equals("socket:[" + field[6] + "]")) {
                    owners.add(owner + ",fd=" + fd.getFileName());
                }
            }
        }
        String netid = Map.of("0001", "u_str", "0002", "u_dgr", "0005", "u_seq").getOrDefault(field[4], field[4]);
        System.out.println(netid + "  " + state + "  " + field[6] + "  " + field[7] + "  " + String.join(" ", owners));
    }
}
run("cannot read the socket table", () -> ss("@" + name));

// close() all three. No file to unlink: an abstract name vanishes with its last socket.
run("cannot close", () -> {
    client.close();
    accepted.close();
    server.close();
});
boolean gone = step("cannot read /proc/net/unix", () -> rows("@" + name).isEmpty());
check(gone, "@" + name + " is still in /proc/net/unix after close()");
System.out.println("After close(): @" + name + " is gone from /proc/net/unix");

// ---- The end: a script exits 0; interactively, the prompt is yours.
finished = received != null && gone;
if (!interactive) System.exit(0);
System.out.println("""

        Your turn: name, address, message, server, client, accepted, received and rows are defined (the sockets closed).
        Try: server = AFUNIXServerSocket.bindOn(address); client = AFUNIXSocket.connectTo(address); accepted = server.accept()
             ss("@" + name); rows("@" + name)
        /vars lists the variables, /methods the methods, /exit ends the session.""");
