///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Messages.java ../lib/ProcNetUnix.java ../lib/SocketOwners.java ../lib/SocketTable.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION socketpair(): two sockets connected to each other from the start, with no address at all.

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;
import org.newsclub.net.unix.FileDescriptorCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "socketpair", mixinStandardHelpOptions = true, version = Cli.VERSION,
        footer = {"", "Example:", "  ./jbang socketpair@catalog --hold"},
        description = {"Opens a pair of connected stream sockets (socketpair(2)), sends a message",
            "each way, and shows the two ends as ss -x -a -p would: ESTAB, no address (*).",
            "Neither end has a name, no file and no abstract name: only this process",
            "holds them (or a child that inherits one: how a parent talks to its child)."})
class Socketpair implements Callable<Integer> {
    @Option(names = "--message", paramLabel = "TEXT", description = "What end 1 sends to end 2 (default: ${DEFAULT-VALUE}).")
    String message = "Hello, other end!";

    @Option(names = "--hold",
            description = "After printing, keep the pair open until stopped (Ctrl-C or SIGTERM), to look at it with "
                    + "ss -x -a -p or ls -l /proc/PID/fd.")
    boolean hold;

    static final String REPLY = "Hello back, end 1!";

    @Override
    public Integer call() throws Exception {
        // socketpair(AF_UNIX, SOCK_STREAM): both sockets at once, already connected. No bind, no listen,
        // no accept, no connect: there is no address to find the other end by.
        try (AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open()) {
            Socket end1 = pair.getSocket1().socket();
            Socket end2 = pair.getSocket2().socket();
            System.out.println("Opened a connected pair of sockets: end 1 and end 2");

            // One way. A stream keeps no message boundaries, so end 2 reads exactly as many bytes as end 1
            // wrote. (A message on the command line, 128 KiB at most, fits in the pair's buffer: end 1 can
            // write all of it before end 2 reads.)
            byte[] data = message.getBytes(StandardCharsets.UTF_8);
            end1.getOutputStream().write(data);
            System.out.println("End 1 sent: " + Messages.printable(data));
            System.out.println("End 2 received: " + Messages.printable(end2.getInputStream().readNBytes(data.length)));

            // And back: either end can write, either can read.
            byte[] reply = REPLY.getBytes(StandardCharsets.UTF_8);
            end2.getOutputStream().write(reply);
            System.out.println("End 2 sent back: " + Messages.printable(reply));
            System.out.println("End 1 received: " + Messages.printable(end1.getInputStream().readNBytes(reply.length)));

            // The inspector's view: find each end's inode through /proc/self/fd (fd -> socket:[INODE]),
            // then its row of /proc/net/unix, as ss -x -a -p shows it.
            List<Long> inodes = List.of(inode(pair.getSocket1().getFileDescriptor()), inode(pair.getSocket2().getFileDescriptor()));
            System.out.println("The two ends, as ss -x -a -p shows them (connected: ESTAB; no address: *):");
            System.out.println(SocketTable.HEADER);
            List<SocketTable.Socket> table = SocketTable.read();
            for (long inode : inodes) {
                table.stream().filter(socket -> socket.inode() == inode)
                        .forEach(socket -> System.out.println(SocketTable.line(socket)));
            }

            if (hold) {
                System.out.println("Holding the pair open until stopped (Ctrl-C): try ss -x -a -p | grep pid="
                        + ProcessHandle.current().pid() + ",");
                Thread.currentThread().join(); // waits for ever; SIGTERM or Ctrl-C ends the JVM
            }
        } // closing the pair closes both ends: nothing is left behind, there was never a name
        return 0;
    }

    /** The inode of the socket on a file descriptor: /proc/self/fd/N links to socket:[INODE]. */
    private static long inode(FileDescriptor fd) throws IOException {
        int number = FileDescriptorCast.using(fd).as(Integer.class);
        String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + number)).toString();
        return SocketOwners.socketInode(link).orElseThrow(() -> new IOException("fd " + number + " is not a socket: " + link));
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new Socketpair(), args));
    }
}
