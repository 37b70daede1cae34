///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 22+
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION The post's server_abstract.py with the JDK alone: every socket call a downcall to libc through the FFM API (JDK 22+).

import static java.lang.foreign.ValueLayout.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// What abstract-server.java does, with what junixsocket's JNI hides in sight: socket(), bind() with a
// sockaddr_un laid out byte by byte and its exact length, listen(), accept(), recv(), close(), as in C.
// The name is exactly its bytes: the length says where it ends, so "demo" and "demo\x00" are two names.
@Command(name = "abstract-server-ffm", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Listens on an abstract socket and prints what each client sends, as the post's server_abstract.py does,"
                + " calling libc's socket functions itself through the JDK's FFM API: no socket library, JDK 22 or newer."},
        footer = {"", "Example:", "  jbang abstract-server-ffm.java --name demo --count 1"})
class AbstractServerFfm implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "The name, without the leading NUL; ss shows it as @NAME."
            + " Any byte can be written as in the output: \\x00 is a NUL, \\\\ a backslash (docs/escapes.md) (default: ${DEFAULT-VALUE}).")
    String name = "abstract_socket";

    @Option(names = "--count", paramLabel = "N", description = "Clients to serve, then exit; 0 serves until stopped, as the post's while True (default: ${DEFAULT-VALUE}).")
    long count = 0;

    // Linux's values, from <sys/socket.h> and <errno.h>.
    static final int AF_UNIX = 1, SOCK_STREAM = 1, SOL_SOCKET = 1, SO_RCVTIMEO = 20, EAGAIN = 11, EADDRINUSE = 98;

    static final Linker LINKER = Linker.nativeLinker();
    // Each call saves errno right after it returns (the JVM may call libc itself before Java reads it).
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final VarHandle SAVED_ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final MethodHandle SOCKET = libc("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle BIND = libc("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle LISTEN = libc("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle ACCEPT = libc("accept", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle SETSOCKOPT = libc("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle RECV = libc("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);

    @Override
    public Integer call() throws IOException {
        byte[] bytes = unescaped(name);
        if (bytes == null || bytes.length < 1 || bytes.length > 107 || count < 0) {
            throw new ParameterException(new CommandLine(this), "--name must be 1 to 107 bytes, a backslash only before xHH, n or a backslash, and --count 0 or more");
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct sockaddr_un, 110 bytes, all zero: sun_family (2 bytes), then sun_path (108 bytes).
            MemorySegment address = arena.allocate(110);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX); // sun_family, in the machine's byte order, as C writes it
            // sun_path[0] stays 0: the post's leading NUL, which makes the name abstract; the name follows.
            MemorySegment.copy(bytes, 0, address, JAVA_BYTE, 3, bytes.length);
            // The length the kernel reads: sun_family, the NUL, the name. Nothing after it is part of the name.
            int length = 2 + 1 + bytes.length;

            int server = (int) invoke("socket", SOCKET, AF_UNIX, SOCK_STREAM, 0);
            Thread closer = new Thread(() -> close(server)); // SIGTERM, Ctrl-C: the JVM runs this on its way out
            Runtime.getRuntime().addShutdownHook(closer);
            try {
                try {
                    invoke("bind", BIND, server, address, length); // no connect() first: a name in use is EADDRINUSE
                } catch (ErrnoException e) {
                    // Decided by errno's value, never by strerror's words (other locales translate them).
                    throw e.errno == EADDRINUSE ? new IOException("@" + escaped(bytes) + ": Address already in use") : e;
                }
                invoke("listen", LISTEN, server, 128); // Python's backlog: 128
                System.out.println("Server is listening for connections on abstract socket: " + escaped(bytes));

                // struct timeval {tv_sec, tv_usec}: one client at a time, as in the post, so a silent one is let go after 10 s.
                MemorySegment tenSeconds = arena.allocateFrom(JAVA_LONG, 10, 0);
                MemorySegment kept = arena.allocate(65536), spill = arena.allocate(65536);
                for (long served = 0; count == 0 || served < count; served++) {
                    int client = (int) invoke("accept", ACCEPT, server, MemorySegment.NULL, MemorySegment.NULL);
                    System.out.println("Accepted connection from client");
                    try {
                        invoke("setsockopt", SETSOCKOPT, client, SOL_SOCKET, SO_RCVTIMEO, tenSeconds, 16);
                        // recv() until the client closes (0); only the first 64 KiB is kept, the rest counted.
                        long size = 0, more = 0;
                        for (long n; (n = recv(client, size < kept.byteSize() ? kept.asSlice(size) : spill)) > 0; ) {
                            if (size < kept.byteSize()) {
                                size += n;
                            } else {
                                more += n;
                            }
                        }
                        byte[] data = kept.asSlice(0, size).toArray(JAVA_BYTE);
                        System.out.println("Received data: " + escaped(data) + (more == 0 ? "" : "... (" + (size + more) + " bytes)"));
                    } catch (ErrnoException e) { // a client that fails (a reset, say) does not end the server
                        System.err.println("abstract-server-ffm: " + (e.errno == EAGAIN ? "a client was silent for 10 seconds: let go"
                                : "a client failed: " + escaped(e.getMessage().getBytes(StandardCharsets.UTF_8))));
                    } finally {
                        close(client);
                    }
                }
            } finally {
                Runtime.getRuntime().removeShutdownHook(closer);
                close(server); // the name vanishes with its last reference, this socket
            }
        }
        return 0;
    }

    /** recv() into the whole of INTO: the bytes received, 0 when the client has closed. */
    static long recv(int socket, MemorySegment into) throws ErrnoException {
        return invoke("recv", RECV, socket, into, into.byteSize(), 0);
    }

    /** close(), which the shutdown hook may call too: on the way out, its errno does not matter. */
    static void close(int descriptor) {
        try {
            invoke("close", CLOSE, descriptor);
        } catch (ErrnoException alreadyClosed) {
            // nothing left to close
        }
    }

    /** A downcall to libc's NAME, which returns RESULT and takes ARGUMENTS; it saves errno into a segment passed first. */
    static MethodHandle libc(String name, MemoryLayout result, MemoryLayout... arguments) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), FunctionDescriptor.of(result, arguments), ERRNO);
    }

    /** Calls FUNCTION (from libc()) with ARGUMENTS, and returns its result; -1 is C's failure: an ErrnoException with errno. */
    static long invoke(String name, MethodHandle function, Object... arguments) throws ErrnoException {
        MemorySegment saved = Arena.ofAuto().allocate(Linker.Option.captureStateLayout());
        Object[] savedFirst = new Object[arguments.length + 1];
        savedFirst[0] = saved;
        System.arraycopy(arguments, 0, savedFirst, 1, arguments.length);
        long result;
        try {
            result = ((Number) function.invokeWithArguments(savedFirst)).longValue();
        } catch (Throwable e) { // the JVM's own (an argument of the wrong type), never the socket's
            throw new IllegalStateException(e);
        }
        if (result == -1) {
            throw new ErrnoException(name, (int) SAVED_ERRNO.get(saved, 0L));
        }
        return result;
    }

    /** A call that failed: errno's value, to decide by, and strerror's words for it, to show (translated in some locales). */
    static final class ErrnoException extends IOException {
        static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        final int errno;

        ErrnoException(String call, int errno) {
            super(call + "(): " + strerror(errno));
            this.errno = errno;
        }

        static String strerror(int errno) {
            try {
                return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(1024).getString(0); // a C string, NUL-ended
            } catch (Throwable e) {
                return "errno " + errno;
            }
        }
    }

    /** TEXT's bytes in UTF-8, where \xHH is the byte HH, \n a newline and \\ a backslash, as the output writes them; null if another backslash. */
    static byte[] unescaped(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Matcher part = Pattern.compile("\\\\x(\\p{XDigit}{2})|\\\\(n|\\\\)|([^\\\\]+)|\\\\").matcher(text);
        while (part.find()) {
            if (part.group(1) != null) {
                bytes.write(Integer.parseInt(part.group(1), 16));
            } else if (part.group(2) != null) {
                bytes.write(part.group(2).equals("n") ? '\n' : '\\');
            } else if (part.group(3) != null) {
                bytes.writeBytes(part.group(3).getBytes(StandardCharsets.UTF_8));
            } else {
                return null;
            }
        }
        return bytes.toByteArray();
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
        CommandLine cli = new CommandLine(new AbstractServerFfm());
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
