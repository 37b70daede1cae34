///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 22+
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: the datagram server with the JDK alone, recvfrom() and sendto() through the FFM API (JDK 22+), answering every sender at its exact address.

import static java.lang.foreign.ValueLayout.*;

import java.io.IOException;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// What datagram-server.java does, with recvfrom() and sendto() in sight. recvfrom() fills in the
// sender's sockaddr_un and says how many of its bytes count: an abstract name is exactly those bytes,
// so @c and @c\x00 are two senders, and the answer goes to the one that wrote, abstract names too.
@Command(name = "datagram-server-ffm", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Binds a datagram (SOCK_DGRAM) socket and answers each datagram in upper case, as TLPI's ud_ucase_sv does,"
                + " calling libc's socket functions itself through the JDK's FFM API: no socket library, JDK 22 or newer.",
            "The answer goes to the address recvfrom() gives, with its exact length: a path, or an abstract name byte for byte."},
        footer = {"", "Example:", "  jbang datagram-server-ffm.java @demo --count 2"})
class DatagramServerFfm implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", arity = "0..1", description = "@NAME for an abstract name, anything else a path, as ss shows them (default: ${DEFAULT-VALUE}).")
    String address = "@datagram_socket";

    @Option(names = "--count", paramLabel = "N", converter = WholeNumber.class, description = "Datagrams to receive, then exit; 0 receives until stopped (default: ${DEFAULT-VALUE}).")
    int count = 0;

    @Option(names = "--max-size", paramLabel = "BYTES", converter = WholeNumber.class, description = "Longest datagram taken whole, 1 to 1048576; a longer one is cut by the kernel, and not answered (default: ${DEFAULT-VALUE}).")
    int maxSize = 65536;

    // Linux's values, from <sys/socket.h> and <errno.h>.
    static final int AF_UNIX = 1, SOCK_DGRAM = 2, MSG_DONTWAIT = 0x40, EAGAIN = 11, EADDRINUSE = 98;

    static final Linker LINKER = Linker.nativeLinker();
    // Each call saves errno right after it returns (the JVM may call libc itself before Java reads it).
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final VarHandle SAVED_ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final MethodHandle SOCKET = libc("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle BIND = libc("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle RECVFROM = libc("recvfrom", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle SENDTO = libc("sendto", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle CLOSE = libc("close", JAVA_INT, JAVA_INT);

    @Override
    public Integer call() throws IOException {
        byte[] sunPath = sunPath(address);
        if (sunPath == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, of 1 to 107 bytes");
        }
        if (maxSize < 1 || maxSize > 1 << 20) {
            throw new ParameterException(new CommandLine(this), "--max-size must be 1 to 1048576 bytes, not " + maxSize);
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct sockaddr_un, 110 bytes, all zero: sun_family (2 bytes), then sun_path (108 bytes).
            MemorySegment own = arena.allocate(110);
            own.set(JAVA_SHORT, 0, (short) AF_UNIX); // sun_family, in the machine's byte order, as C writes it
            MemorySegment.copy(sunPath, 0, own, JAVA_BYTE, 2, sunPath.length); // a path keeps a zero after it
            // The length the kernel reads: sun_family and the address; a path's closing NUL, the kernel finds itself.
            int ownLength = 2 + sunPath.length;

            int server = (int) invoke("socket", SOCKET, AF_UNIX, SOCK_DGRAM, 0);
            Path path = sunPath[0] == 0 ? null : Path.of(address);
            Thread closer = new Thread(() -> close(server)); // SIGTERM, Ctrl-C: the JVM runs this on its way out
            Runtime.getRuntime().addShutdownHook(closer);
            try {
                try {
                    invoke("bind", BIND, server, own, ownLength); // an address to receive at: no listen(), no accept()
                } catch (ErrnoException e) {
                    // Decided by errno's value, never by strerror's words (other locales translate them). A path
                    // in use may be a dead socket's file: the kernel cannot tell, and this lesson removes nothing.
                    throw e.errno == EADDRINUSE ? new IOException(shown(sunPath) + ": Address already in use") : e;
                }
                if (path != null) { // close() leaves a datagram socket's file: remove it on every way out, only if still ours
                    Map<String, Object> ours = Files.readAttributes(path, "unix:dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> removeOwnSocketFile(path, ours)));
                }
                System.out.println("Server is bound to datagram socket: " + address);

                // One byte more than we take whole: a datagram that fills it was longer, and the kernel cut it.
                MemorySegment buffer = arena.allocate(maxSize + 1);
                MemorySegment from = arena.allocate(110); // the sender's struct sockaddr_un, filled in by recvfrom()
                MemorySegment fromLength = arena.allocate(JAVA_INT); // in: the room in FROM; out: the bytes that count
                for (int received = 0; count == 0 || received < count; received++) {
                    from.fill((byte) 0);
                    fromLength.set(JAVA_INT, 0, (int) from.byteSize());
                    // One recvfrom() = one datagram, as it was sent, and who sent it.
                    int length = (int) invoke("recvfrom", RECVFROM, server, buffer, buffer.byteSize(), 0, from, fromLength);
                    byte[] sender = senderAddress(from, fromLength.get(JAVA_INT, 0));
                    String shownSender = shown(sender);
                    if (length > maxSize) {
                        System.out.println("Datagram from " + shownSender + " was longer than " + maxSize + " bytes: cut, not answered");
                        continue;
                    }
                    byte[] data = buffer.asSlice(0, length).toArray(JAVA_BYTE);
                    System.out.println("Received datagram from " + shownSender + ": " + escaped(data));
                    if (sender == null || sender[0] != 0 && sender[0] != '/') {
                        System.out.println("Not answered: " + (sender == null ? "the sender has no address (it did not bind)"
                                : "its path is relative to its own working folder, which the server does not know"));
                        continue;
                    }
                    // Upper case byte by byte, as C's toupper() and Python's bytes.upper(): ASCII letters only.
                    for (int i = 0; i < length; i++) {
                        byte b = buffer.get(JAVA_BYTE, i);
                        buffer.set(JAVA_BYTE, i, b >= 'a' && b <= 'z' ? (byte) (b - 'a' + 'A') : b);
                    }
                    // sendto() the address recvfrom() gave, with its length: exactly the sender, never another.
                    answer(server, buffer.asSlice(0, length), from, fromLength.get(JAVA_INT, 0), shownSender);
                }
            } finally {
                Runtime.getRuntime().removeShutdownHook(closer);
                close(server); // an abstract name vanishes with the socket; the shutdown hook removes a socket file
            }
        }
        return 0;
    }

    /** The sender's sun_path from recvfrom(): LENGTH bytes of FROM count, after sun_family; null if it has no address. */
    static byte[] senderAddress(MemorySegment from, int length) {
        if (length <= 2) {
            return null; // the sender did not bind
        }
        byte[] sunPath = from.asSlice(2, length - 2).toArray(JAVA_BYTE);
        if (sunPath[0] == 0) {
            return sunPath; // an abstract name: every byte counts, NULs too
        }
        int end = 0; // a path ends at its first NUL, which the kernel may count in LENGTH
        while (end < sunPath.length && sunPath[end] != 0) {
            end++;
        }
        return Arrays.copyOf(sunPath, end);
    }

    /** sendto() ANSWER to the sender's address without waiting: a sender that is gone or does not read is reported, and the server goes on. */
    static void answer(int server, MemorySegment answer, MemorySegment to, int toLength, String shownSender) {
        // The kernel never drops a unix datagram: a sender waits while the receiver's queue is full. Do
        // not wait (MSG_DONTWAIT), or a client that does not read its answers would hold up the server for everyone.
        try {
            invoke("sendto", SENDTO, server, answer, answer.byteSize(), MSG_DONTWAIT, to, toLength);
        } catch (ErrnoException e) {
            System.err.println("datagram-server-ffm: " + (e.errno == EAGAIN ? "answer to " + shownSender + " dropped: its queue is full (it does not read)"
                    : "cannot answer " + shownSender + ": " + escaped(e.getMessage().getBytes(StandardCharsets.UTF_8))));
        }
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

    /** A sun_path as ss shows it, @ for the leading NUL of an abstract name, through escaped(); (unnamed) for none. */
    static String shown(byte[] sunPath) {
        return sunPath == null ? "(unnamed)" : sunPath[0] == 0 ? "@" + escaped(Arrays.copyOfRange(sunPath, 1, sunPath.length)) : escaped(sunPath);
    }

    /** ADDRESS as sun_path's bytes: @NAME is an abstract name (a NUL byte, then NAME), anything else a path; null if empty or too long. */
    static byte[] sunPath(String address) {
        boolean isAbstract = address.startsWith("@");
        byte[] bytes = (isAbstract ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: the NUL and up to 107 for a name, up to 107 and a closing NUL for a path.
        return bytes.length < (isAbstract ? 2 : 1) || bytes.length > (isAbstract ? 108 : 107) ? null : bytes;
    }

    /** A whole number 0 or more: picocli's own int would call 99999999999 "not an int", and take nothing larger. */
    static final class WholeNumber implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            if (!text.matches("-?[0-9]+")) {
                throw new TypeConversionException("'" + text + "' is not a whole number");
            }
            BigInteger number = new BigInteger(text);
            if (number.signum() < 0) {
                throw new TypeConversionException("must be 0 or more, not " + text);
            }
            if (number.bitLength() > 31) {
                throw new TypeConversionException(text + " is too large (at most " + Integer.MAX_VALUE + ")");
            }
            return number.intValue();
        }
    }

    /** Removes the socket file that bind() made, if the file at PATH is still that one: a socket, with every attribute in OURS the same. */
    static void removeOwnSocketFile(Path path, Map<String, Object> ours) {
        try {
            // Once our socket is closed and the file removed by another, ext4 gives its inode number to the next new
            // file: the time it was made (its mtime: nothing writes to a socket file) tells that file from ours.
            Map<String, Object> file = Files.readAttributes(path, "unix:mode,dev,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            boolean socket = ((Integer) file.get("mode") & 0170000) == 0140000;
            if (socket && ours.keySet().stream().allMatch(key -> ours.get(key).equals(file.get(key)))) {
                Files.delete(path);
            }
        } catch (IOException goneAlready) {
            // nothing of ours is left to remove
        }
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
        CommandLine cli = new CommandLine(new DatagramServerFfm());
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
