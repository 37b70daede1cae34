///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION socketpair(): two sockets connected to each other from the start, with no address at all.

import java.io.*;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// It sends a message each way, then shows the two ends as the kernel lists them: connected, no name.
// The post's third kind of address, "unnamed": no file, no abstract name, nothing to connect to;
// only this process holds the two ends (or a child that inherits one: how a parent talks to its child).
@Command(name = "socketpair", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = "Opens two connected stream sockets with socketpair(), sends a message each way, and shows their rows in /proc/net/unix.",
        footer = {"", "Example:", "  jbang socketpair.java --hold"})
class Socketpair implements Callable<Integer> {
    @Option(names = "--message", paramLabel = "TEXT", description = "What end 1 sends to end 2 (default: ${DEFAULT-VALUE}).")
    String message = "Hello, other end!";

    @Option(names = "--hold", description = "Then keep the pair open until stopped (Ctrl-C), to look at it with ss -x -a -p.")
    boolean hold;

    @Override
    public Integer call() throws Exception {
        // socketpair(AF_UNIX, SOCK_STREAM): both sockets at once, already connected. No bind, listen,
        // accept or connect: there is no address to find the other end by.
        try (AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open()) {
            Socket end1 = pair.getSocket1().socket();
            Socket end2 = pair.getSocket2().socket();
            System.out.println("Opened a connected pair of sockets: end 1 and end 2");

            // One way. A stream keeps no message boundaries: end 2 reads as many bytes as end 1 wrote.
            // (One command-line argument, 128 KiB at most, fits in the pair's buffer: no reader needed yet.)
            byte[] data = message.getBytes(StandardCharsets.UTF_8);
            end1.getOutputStream().write(data);
            System.out.println("End 1 sent: " + escaped(data));
            System.out.println("End 2 received: " + escaped(end2.getInputStream().readNBytes(data.length)));

            // And back: either end can write, either can read.
            byte[] reply = "Hello back, end 1!".getBytes(StandardCharsets.UTF_8);
            end2.getOutputStream().write(reply);
            System.out.println("End 2 sent back: " + escaped(reply));
            System.out.println("End 1 received: " + escaped(end1.getInputStream().readNBytes(reply.length)));

            // The kernel's view: each end's file descriptor links to socket:[INODE] (ls -l /proc/PID/fd),
            // and /proc/net/unix has a row for that inode. Type 0001 is a stream, St 03 connected, and
            // the Path column is empty: no address. (ss -x -a -p shows them as ESTAB, address *.)
            List<String> inodes = new ArrayList<>();
            for (AFUNIXSocketChannel end : List.of(pair.getSocket1(), pair.getSocket2())) {
                int fd = FileDescriptorCast.using(end.getFileDescriptor()).as(Integer.class);
                String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
                System.out.println("End " + (inodes.size() + 1) + " is file descriptor " + fd + ": /proc/self/fd/" + fd + " -> " + link);
                inodes.add(link.replaceAll("^socket:\\[(\\d+)\\]$", "$1"));
            }
            List<String> table = Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.ISO_8859_1);
            System.out.println("Their rows in /proc/net/unix (Type 0001: stream; St 03: connected; no Path: no address):");
            System.out.println(table.get(0)); // Num RefCount Protocol Flags Type St Inode Path
            for (String inode : inodes) {
                // A row that ends with St and INODE: no Path. Printed through escaped(): a name that another
                // process chose may hold a newline and forge a line.
                table.stream().filter(row -> row.matches(".* \\p{XDigit}{2} +" + inode))
                        .forEach(row -> System.out.println(escaped(row.getBytes(StandardCharsets.ISO_8859_1))));
            }

            if (hold) {
                System.out.println("Holding the pair open until stopped (Ctrl-C): try ss -x -a -p | grep pid=" + ProcessHandle.current().pid() + ",");
                Thread.currentThread().join(); // waits for ever; Ctrl-C or SIGTERM ends the JVM
            }
        } // close() both ends: nothing is left behind, there was never a name
        return 0;
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
        CommandLine cli = new CommandLine(new Socketpair());
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
