/*
 * BenchReferenceFfm.java: the FFM row of uds-kit's bench (scripts/bench.java runs it on a JDK 22+,
 * as it runs its C reference, scripts/bench-reference.c, which this follows line for line).
 *
 * The same two measurements, with libc's socket(), bind(), listen(), accept(), connect(), read() and
 * write() called through the JDK's FFM API (no socket library, no JNI), each saving errno as C has
 * it; client and server are two threads of one process, on one unix stream socket.
 *   1. Round trips: the client writes SIZE bytes, the server reads them all and writes them back,
 *      the client reads them all. Counted by the client.
 *   2. Streaming: the client writes CHUNK bytes again and again, the server reads and discards them.
 *      Counted by the server: bytes received, over the time it received them.
 * Each runs WARMUP seconds unmeasured (the JIT compiles the loops then), then DURATION seconds measured.
 *
 * Usage: java --enable-native-access=ALL-UNNAMED BenchReferenceFfm.java SIZE CHUNK DURATION WARMUP ADDRESS
 *        (ADDRESS: a path, or @name: abstract; JDK 22 or newer)
 * Prints one line, for bench to read: round_trips_per_s=NUMBER mb_per_s=NUMBER  (MB: 10^6 bytes)
 * It lives in lib/ffm/, not in lib/: bench is built on JDK 17 too, and carries this file as a resource.
 */
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

class BenchReferenceFfm {
    static final int AF_UNIX = 1, SOCK_STREAM = 1, EINTR = 4, ECONNRESET = 104;
    static final Linker LINKER = Linker.nativeLinker();
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    static final StructLayout STATE = Linker.Option.captureStateLayout();
    static final VarHandle SAVED_ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle LISTEN = libc("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle ACCEPT = libc("accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle CONNECT = libc("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle READ = libc("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle WRITE = libc("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    static int size, chunk;
    static double duration, warmup;
    static int listener;              // the server's listening socket
    static volatile double streamedMegabytesPerSecond; // the sink's result

    static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, ERRNO);
    }

    /** Ends the process as the C reference does: what failed and strerror's words, exit 1. */
    static RuntimeException fail(String what, MemorySegment state) throws Throwable {
        int errno = (int) SAVED_ERRNO.get(state, 0L);
        String words = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(1024).getString(0);
        System.err.println("bench-reference-ffm: " + what + ": " + words);
        System.exit(1);
        return new IllegalStateException(); // not reached
    }

    static double now() { // seconds on a clock that never jumps
        return System.nanoTime() / 1e9;
    }

    /** A stream has no message boundaries: read() may return fewer bytes than asked, so loop. False at end of stream. */
    static boolean readAll(int fd, MemorySegment buffer, MemorySegment state) throws Throwable {
        for (long got = 0; got < buffer.byteSize(); ) {
            long r = (long) READ.invokeExact(state, fd, buffer.asSlice(got), buffer.byteSize() - got);
            if (r == 0) {
                return false;
            }
            if (r < 0) {
                if ((int) SAVED_ERRNO.get(state, 0L) == EINTR) {
                    continue;
                }
                throw fail("read", state);
            }
            got += r;
        }
        return true;
    }

    static void writeAll(int fd, MemorySegment buffer, MemorySegment state) throws Throwable { // write() may also take only part
        for (long sent = 0; sent < buffer.byteSize(); ) {
            long w = (long) WRITE.invokeExact(state, fd, buffer.asSlice(sent), buffer.byteSize() - sent);
            if (w < 0) {
                if ((int) SAVED_ERRNO.get(state, 0L) == EINTR) {
                    continue;
                }
                throw fail("write", state);
            }
            sent += w;
        }
    }

    /** Server thread of measurement 1: accept one client, echo each message until it closes. */
    static void echo() throws Throwable {
        MemorySegment state = Arena.ofAuto().allocate(STATE);
        int peer = (int) ACCEPT.invokeExact(state, listener, MemorySegment.NULL, MemorySegment.NULL);
        if (peer < 0) {
            throw fail("accept", state);
        }
        MemorySegment message = Arena.ofAuto().allocate(size);
        while (readAll(peer, message, state)) {
            writeAll(peer, message, state);
        }
        int closed = (int) CLOSE.invokeExact(state, peer);
    }

    /** Server thread of measurement 2: accept one client, read and discard until it closes; counted after WARMUP from the first bytes. */
    static void sink() throws Throwable {
        MemorySegment state = Arena.ofAuto().allocate(STATE);
        int peer = (int) ACCEPT.invokeExact(state, listener, MemorySegment.NULL, MemorySegment.NULL);
        if (peer < 0) {
            throw fail("accept", state);
        }
        MemorySegment buffer = Arena.ofAuto().allocate(chunk);
        long total = 0, countedFrom = -1;
        double warm = 0, mark = 0, t = now();
        for (long r; (r = (long) READ.invokeExact(state, peer, buffer, (long) chunk)) != 0; ) {
            if (r < 0) {
                if ((int) SAVED_ERRNO.get(state, 0L) == EINTR) {
                    continue;
                }
                throw fail("read", state);
            }
            total += r;
            t = now();
            if (warm == 0) {
                warm = t + warmup;
            }
            if (countedFrom < 0 && t >= warm) {
                countedFrom = total;
                mark = t;
            }
        }
        streamedMegabytesPerSecond = countedFrom < 0 || t <= mark ? 0 : (total - countedFrom) / (t - mark) / 1e6;
        int closed = (int) CLOSE.invokeExact(state, peer);
    }

    interface Serve {
        void run() throws Throwable;
    }

    /** Starts a server thread, connects to it as the client: the connected socket. */
    static int connectTo(Thread[] server, Serve serve, MemorySegment address, int length, MemorySegment state) throws Throwable {
        server[0] = Thread.ofPlatform().start(() -> {
            try {
                serve.run();
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        });
        int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) {
            throw fail("socket", state);
        }
        if ((int) CONNECT.invokeExact(state, fd, address, length) < 0) {
            throw fail("connect", state);
        }
        return fd;
    }

    public static void main(String... args) throws Throwable {
        if (args.length != 5) {
            System.err.println("usage: BenchReferenceFfm.java SIZE CHUNK DURATION WARMUP ADDRESS");
            System.exit(2);
        }
        size = Integer.parseInt(args[0]);
        chunk = Integer.parseInt(args[1]);
        duration = Double.parseDouble(args[2]);
        warmup = Double.parseDouble(args[3]);
        byte[] name = args[4].getBytes(StandardCharsets.UTF_8);

        // The address: a path in sun_path, or for "@name" a NUL then the name (abstract, no file).
        // The length passed to bind/connect counts exactly the name's bytes: no trailing NULs.
        MemorySegment address = Arena.ofAuto().allocate(110); // struct sockaddr_un, zeroed: sun_family, sun_path[108]
        if (size <= 0 || chunk <= 0 || duration <= 0 || warmup < 0 || name.length == 0 || name.length >= 108) {
            System.err.println("bench-reference-ffm: bad arguments");
            System.exit(2);
        }
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
        if (name[0] == '@') {
            address.set(JAVA_BYTE, 2, (byte) 0);
        }
        int length = 2 + name.length;

        // socket, bind, listen: the server's side. The path's file appears at bind().
        MemorySegment state = Arena.ofAuto().allocate(STATE);
        listener = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM, 0);
        if (listener < 0) {
            throw fail("socket", state);
        }
        if ((int) BIND.invokeExact(state, listener, address, length) < 0) {
            throw fail("bind", state);
        }
        if ((int) LISTEN.invokeExact(state, listener, 1) < 0) {
            throw fail("listen", state);
        }

        // Measurement 1: round trips, counted by the client (this thread).
        Thread[] server = new Thread[1];
        int fd = connectTo(server, BenchReferenceFfm::echo, address, length, state);
        MemorySegment message = Arena.ofAuto().allocate(size);
        for (double end = now() + warmup; now() < end; ) {
            writeAll(fd, message, state);
            readAll(fd, message, state);
        }
        long trips = 0;
        double start = now(), t;
        do {
            writeAll(fd, message, state);
            if (!readAll(fd, message, state)) {
                SAVED_ERRNO.set(state, 0L, ECONNRESET);
                throw fail("read", state);
            }
            trips++;
        } while ((t = now()) - start < duration);
        int closed = (int) CLOSE.invokeExact(state, fd); // the echo thread reads end of stream and ends
        server[0].join();

        // Measurement 2: streaming, counted by the server thread (sink).
        fd = connectTo(server, BenchReferenceFfm::sink, address, length, state);
        MemorySegment buffer = Arena.ofAuto().allocate(chunk);
        for (double end = now() + warmup + duration; now() < end; ) {
            writeAll(fd, buffer, state);
        }
        closed = (int) CLOSE.invokeExact(state, fd); // end of stream: the sink stops its clock when it has read everything
        server[0].join();

        closed = (int) CLOSE.invokeExact(state, listener);
        if (name[0] != '@') {
            Files.deleteIfExists(Path.of(args[4])); // a path's file outlives its socket: remove it
        }
        System.out.printf(Locale.ROOT, "round_trips_per_s=%.1f mb_per_s=%.1f%n", trips / (t - start), streamedMegabytesPerSecond);
    }
}
