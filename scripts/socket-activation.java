///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: socket activation. systemd makes, binds and listens; the server gets the socket on fd 3, the post's fd 3, and says when it is ready (sd_notify).

import java.io.*;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// Start it as `systemd-socket-activate -l @demo jbang socket-activation.java` (or by a .socket unit):
// systemd makes the socket, binds and listens, then starts the server with it on fd 3 (LISTEN_FDS=1,
// LISTEN_PID=its pid). The server never binds, and never removes the file: systemd made it and owns it.
@Command(name = "socket-activation", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Serves the socket systemd hands it on fd 3 (socket activation), as abstract-server serves its own.",
            "It takes fd 3 only if LISTEN_PID is its pid, as sd_listen_fds(3) does, and shows what the kernel says fd 3 is.",
            "Under systemd-socket-activate --accept, fd 3 is one client's connection: it serves that client.",
            "Where NOTIFY_SOCKET is set (a path or @name), it sends READY=1 once it serves, and STOPPING=1 on its way out (sd_notify)."},
        footer = {"", "Example:", "  systemd-socket-activate -l @demo jbang socket-activation.java --count 1"})
class SocketActivation implements Callable<Integer> {
    @Option(names = "--count", paramLabel = "N", description = "Clients to serve, then exit; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
    long count = 0;

    @Option(names = "--on-ready", paramLabel = "PROGRAM", description = "A program to start once it serves, as a hook would (run itself, no shell); it gets no LISTEN_ variables.")
    String onReady;

    @Override
    public Integer call() throws IOException {
        if (count < 0) {
            throw new ParameterException(new CommandLine(this), "--count must be 0 or more");
        }
        Fd3 fd3 = handedOver(new CommandLine(this)); // sd_listen_fds(3), then what the kernel says fd 3 is
        System.out.println("fd 3 -> " + fd3.link() + " (LISTEN_PID=" + System.getenv("LISTEN_PID") + ", LISTEN_FDS=" + System.getenv("LISTEN_FDS") + ")");

        if (!fd3.listening()) { // systemd-socket-activate --accept: fd 3 is one client's connection, and a process each
            try (AFUNIXSocket client = FileDescriptorCast.unsafeUsing(3).as(AFUNIXSocket.class)) {
                System.out.println("Connected: fd 3 is one client's connection (--accept), on " + shown(client.getLocalSocketAddress()));
                ready("STATUS=Serving one connection");
                serve(client);
            }
            return 0;
        }
        // No socket(), bind() or listen() here: systemd did them. junixsocket adopts fd 3 as it is.
        try (AFUNIXServerSocket server = FileDescriptorCast.unsafeUsing(3).as(AFUNIXServerSocket.class)) {
            server.setDeleteOnClose(false); // systemd's file: close() must not remove it (junixsocket's would)
            String address = shown(server.getLocalSocketAddress());
            System.out.println("Listening on " + address + ": AF_UNIX, SOCK_STREAM, handed over by socket activation");
            ready("STATUS=Serving " + address);
            for (long served = 0; count == 0 || served < count; served++) {
                serve(server.accept());
            }
        }
        return 0;
    }

    /** The socket on fd 3: a stream socket that listens, or one client's connection (--accept). */
    record Fd3(String link, boolean listening) {}

    /**
     * fd 3 as sd_listen_fds(3) takes it, and as the kernel describes it; a ParameterException (exit 2)
     * where it is not ours, or not an AF_UNIX stream socket that listens or is connected.
     */
    static Fd3 handedOver(CommandLine cli) throws IOException {
        // sd_listen_fds(3): the sockets start at fd 3, and are ours only if LISTEN_PID names this very
        // process (a wrapper that does not exec would pass them on to a child with another pid).
        String listenFds = System.getenv("LISTEN_FDS"), listenPid = System.getenv("LISTEN_PID");
        if (listenFds == null) {
            throw new ParameterException(cli, "no LISTEN_FDS: nothing was handed over; start it under socket activation: systemd-socket-activate -l @demo jbang socket-activation.java");
        }
        if (!String.valueOf(ProcessHandle.current().pid()).equals(listenPid)) {
            throw new ParameterException(cli, "LISTEN_PID " + (listenPid == null ? "is not set" : "is " + escaped(listenPid.getBytes(StandardCharsets.UTF_8)))
                    + ", not this process (" + ProcessHandle.current().pid() + "): fd 3 was meant for another one");
        }
        if (!listenFds.matches("[1-9][0-9]{0,8}")) {
            throw new ParameterException(cli, "LISTEN_FDS is " + escaped(listenFds.getBytes(StandardCharsets.UTF_8)) + ": no socket on fd 3");
        }
        // What fd 3 is, in the kernel's words: /proc/self/fd/3 names the socket's inode, and the
        // kernel's table of unix sockets (/proc/net/unix) gives that inode's type and state.
        // Where nothing was handed over, fd 3 is the JVM's own first file (its lib/modules).
        String link = Files.readSymbolicLink(Path.of("/proc/self/fd/3")).toString();
        Matcher inode = Pattern.compile("socket:\\[(\\d+)\\]").matcher(link);
        if (!inode.matches()) {
            throw new ParameterException(cli, "fd 3 is not a socket: it is " + escaped(link.getBytes(StandardCharsets.UTF_8)));
        }
        String[] row = kernelTableRow(inode.group(1)); // {Flags, Type, St}
        if (row == null) {
            throw new ParameterException(cli, "fd 3 is " + link + ", not an AF_UNIX socket (/proc/net/unix has no such inode)");
        }
        if (!row[1].equals("0001")) {
            throw new ParameterException(cli, "fd 3 is an AF_UNIX " + (row[1].equals("0002") ? "datagram" : "seqpacket")
                    + " socket: this server takes a stream socket (systemd-socket-activate without --datagram or --seqpacket)");
        }
        boolean listening = (Integer.parseInt(row[0], 16) & 0x10000) != 0; // __SO_ACCEPTCON: listen() was called
        if (!listening && !row[2].equals("03")) {
            throw new ParameterException(cli, "fd 3 is an AF_UNIX stream socket that does not listen (nor is it a connection)");
        }
        return new Fd3(link, listening);
    }

    /** Once it serves: READY=1 to systemd, STOPPING=1 on every way out, and the --on-ready program started. */
    void ready(String status) throws IOException {
        notifySystemd("READY=1\n" + status);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> notifySystemd("STOPPING=1"))); // SIGTERM too, as systemd stops it
        if (onReady != null) {
            // sd_listen_fds(1) unsets the variables so that no child takes fd 3 for its own. Java cannot
            // change its own environment: a child's is a copy, and the variables go from that copy.
            ProcessBuilder child = new ProcessBuilder(onReady).inheritIO();
            child.environment().keySet().removeAll(java.util.List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"));
            child.start();
        }
    }

    /** recv() until the client closes, as abstract-server: the first 64 KiB shown, a silent client let go after 10 s. */
    static void serve(AFUNIXSocket accepted) {
        try (AFUNIXSocket client = accepted) {
            System.out.println("Accepted connection from client");
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            byte[] data = in.readNBytes(65536);
            long more = in.transferTo(OutputStream.nullOutputStream());
            System.out.println("Received data: " + escaped(data) + (more == 0 ? "" : "... (" + (data.length + more) + " bytes)"));
        } catch (SocketTimeoutException silent) {
            System.err.println("socket-activation: a client was silent for 10 seconds: let go");
        } catch (IOException e) { // a client that fails (a reset, say) does not end the server
            System.err.println("socket-activation: a client failed: " + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** sd_notify(3): one datagram to exactly $NOTIFY_SOCKET, a path or @name (an abstract name is its bytes, no NUL padding). */
    static void notifySystemd(String state) {
        String target = System.getenv("NOTIFY_SOCKET");
        if (target == null || target.isEmpty()) {
            return; // not started by systemd, or not Type=notify: nobody to tell
        }
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try (AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance()) {
            AFUNIXSocketAddress address = target.startsWith("@") ? AFUNIXSocketAddress.inAbstractNamespace(target.substring(1))
                    : AFUNIXSocketAddress.of(Path.of(target));
            DatagramPacket packet = new DatagramPacket(message, message.length);
            packet.setAddress(address.wrapAddress()); // junixsocket's way to address a datagram
            socket.send(packet);
        } catch (IOException e) {
            System.err.println("socket-activation: cannot notify " + escaped(target.getBytes(StandardCharsets.UTF_8)) + ": "
                    + escaped(String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * The row of /proc/net/unix for INODE, as {Flags, Type, St}, or null if it has none (not AF_UNIX).
     * A socket's name may hold a newline, and so forge a row: two rows for one inode are refused.
     */
    static String[] kernelTableRow(String inode) throws IOException {
        String table = Files.readString(Path.of("/proc/self/net/unix"), StandardCharsets.ISO_8859_1); // names are bytes
        Matcher row = Pattern.compile("(?m)^\\p{XDigit}+: \\p{XDigit}{8} \\p{XDigit}{8} (\\p{XDigit}{8}) (\\p{XDigit}{4}) (\\p{XDigit}{2}) +" + inode + "( |$)").matcher(table);
        if (!row.find()) {
            return null;
        }
        String[] found = {row.group(1), row.group(2), row.group(3)};
        if (row.find()) {
            throw new IOException("/proc/net/unix has two rows for socket:[" + inode + "]: a name forges one; cannot tell what fd 3 is");
        }
        return found;
    }

    /** A socket's address as ss shows it: @name for an abstract one, else its path; escaped. */
    static String shown(java.net.SocketAddress address) {
        AFUNIXSocketAddress unix = (AFUNIXSocketAddress) address;
        byte[] bytes = unix.getPathAsBytes();
        return unix.isInAbstractNamespace() ? "@" + escaped(Arrays.copyOfRange(bytes, 1, bytes.length)) : escaped(bytes);
    }

    /** Bytes from others as one line that cannot move the cursor or forge a line (the notation: docs/escapes.md). */
    static String escaped(byte[] bytes) {
        boolean utf8 = Arrays.equals(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), bytes);
        String text = new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1); // not UTF-8: bytes
        return Pattern.compile(utf8 ? "[\\\\\\p{C}\\p{Zl}\\p{Zp}]" : "[\\\\\\p{C}\\x80-\\xff]").matcher(text).replaceAll(m -> {
            int c = m.group().codePointAt(0);
            String escape = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c < 0x80 || !utf8 ? String.format("\\x%02x", c) : String.format("\\u{%x}", c);
            return Matcher.quoteReplacement(escape);
        });
    }

    public static void main(String... args) {
        CommandLine cli = new CommandLine(new SocketActivation());
        cli.setExpandAtFiles(false); // @name is an abstract address, never a file of arguments to read
        // One line on stderr, never a stack trace: exit 2 for bad input, 1 for a failure at run time.
        cli.setParameterExceptionHandler((e, arguments) -> fail(cli, e, 2));
        cli.setExecutionExceptionHandler((e, command, parsed) -> fail(cli, e, 1));
        System.exit(cli.execute(args));
    }

    static int fail(CommandLine cli, Exception e, int status) {
        // The JDK's file exceptions name only the file: say what is wrong with it too.
        String message = e instanceof java.nio.file.NoSuchFileException ? e.getMessage() + ": no such file or folder"
                : e instanceof java.nio.file.AccessDeniedException ? e.getMessage() + ": permission denied"
                : e instanceof java.nio.file.FileAlreadyExistsException ? e.getMessage() + ": already exists" : String.valueOf(e.getMessage());
        System.err.println(cli.getCommandName() + ": " + escaped(message.getBytes(StandardCharsets.UTF_8)));
        return status;
    }
}
