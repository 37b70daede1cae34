/*
 * bench-reference.c: the C reference of uds-kit's bench (scripts/bench.java compiles and runs it).
 *
 * The same two measurements as bench's Java rows, in plain POSIX C, in the same layout: the client
 * and the server are two threads of one process, talking over one unix stream socket.
 *   1. Round trips: the client writes SIZE bytes, the server reads them all and writes them back,
 *      the client reads them all. Counted by the client.
 *   2. Streaming: the client writes CHUNK bytes again and again, the server reads and discards them.
 *      Counted by the server: bytes received, over the time it received them.
 * Each runs WARMUP seconds unmeasured (caches and scheduler settle, as the JIT does in Java), then
 * DURATION seconds measured.
 *
 * Usage: bench-reference SIZE CHUNK DURATION WARMUP ADDRESS    (ADDRESS: a path, or @name: abstract)
 * Prints one line, for bench to read: round_trips_per_s=NUMBER mb_per_s=NUMBER  (MB: 10^6 bytes)
 * Build: cc -O2 -pthread -o bench-reference bench-reference.c
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static size_t size, chunk;
static double duration, warmup;
static int listener;            /* the server's listening socket */
static double streamed_mb_per_s; /* the sink's result */

static void fail(const char *what) {
    fprintf(stderr, "bench-reference: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void) { /* seconds on a clock that never jumps */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A stream has no message boundaries: read() may return fewer bytes than asked, so loop.
 * Returns 0 when the other end closed (end of stream), 1 when all n bytes arrived. */
static int read_all(int fd, char *buffer, size_t n) {
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buffer + got, n - got);
        if (r == 0) return 0;
        if (r < 0) { if (errno == EINTR) continue; fail("read"); }
        got += (size_t) r;
    }
    return 1;
}

static void write_all(int fd, const char *buffer, size_t n) { /* write() may also take only part */
    for (size_t sent = 0; sent < n;) {
        ssize_t w = write(fd, buffer + sent, n - sent);
        if (w < 0) { if (errno == EINTR) continue; fail("write"); }
        sent += (size_t) w;
    }
}

/* Server thread of measurement 1: accept one client, echo each message until it closes. */
static void *echo(void *unused) {
    (void) unused;
    int peer = accept(listener, NULL, NULL);
    if (peer < 0) fail("accept");
    char *message = malloc(size);
    while (read_all(peer, message, size)) write_all(peer, message, size);
    free(message);
    close(peer);
    return NULL;
}

/* Server thread of measurement 2: accept one client, read and discard until it closes. Its clock
 * starts at the first bytes; what arrives after WARMUP is counted. */
static void *sink(void *unused) {
    (void) unused;
    int peer = accept(listener, NULL, NULL);
    if (peer < 0) fail("accept");
    char *buffer = malloc(chunk);
    long long total = 0, counted_from = -1;
    double warm = 0, mark = 0, t = now();
    ssize_t r;
    while ((r = read(peer, buffer, chunk)) != 0) {
        if (r < 0) { if (errno == EINTR) continue; fail("read"); }
        total += r;
        t = now();
        if (warm == 0) warm = t + warmup;
        if (counted_from < 0 && t >= warm) { counted_from = total; mark = t; }
    }
    streamed_mb_per_s = counted_from < 0 || t <= mark ? 0 : (total - counted_from) / (t - mark) / 1e6;
    free(buffer);
    close(peer);
    return NULL;
}

/* Starts a server thread, connects to it as the client: the connected socket, or exit on failure. */
static int connect_to(pthread_t *server, void *(*serve)(void *), const struct sockaddr_un *address, socklen_t length) {
    if (pthread_create(server, NULL, serve, NULL) != 0) fail("pthread_create");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) fail("socket");
    if (connect(fd, (const struct sockaddr *) address, length) < 0) fail("connect");
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: bench-reference SIZE CHUNK DURATION WARMUP ADDRESS\n");
        return 2;
    }
    size = strtoul(argv[1], NULL, 10);
    chunk = strtoul(argv[2], NULL, 10);
    duration = strtod(argv[3], NULL);
    warmup = strtod(argv[4], NULL);
    const char *name = argv[5];

    /* The address: a path in sun_path, or for "@name" a NUL then the name (abstract, no file).
     * The length passed to bind/connect counts exactly the name's bytes: no trailing NULs. */
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t name_length = strlen(name);
    if (size == 0 || chunk == 0 || duration <= 0 || warmup < 0 || name_length == 0 || name_length >= sizeof address.sun_path) {
        fprintf(stderr, "bench-reference: bad arguments\n");
        return 2;
    }
    memcpy(address.sun_path, name, name_length);
    if (name[0] == '@') address.sun_path[0] = '\0';
    socklen_t length = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + name_length);

    /* socket, bind, listen: the server's side. The path's file appears at bind(). */
    listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0) fail("socket");
    if (bind(listener, (struct sockaddr *) &address, length) < 0) fail("bind");
    if (listen(listener, 1) < 0) fail("listen");

    /* Measurement 1: round trips, counted by the client (this thread). */
    pthread_t server;
    int fd = connect_to(&server, echo, &address, length);
    char *message = calloc(size, 1);
    for (double end = now() + warmup; now() < end;) {
        write_all(fd, message, size);
        read_all(fd, message, size);
    }
    long long trips = 0;
    double start = now(), t;
    do {
        write_all(fd, message, size);
        if (!read_all(fd, message, size)) { errno = ECONNRESET; fail("read"); }
        trips++;
    } while ((t = now()) - start < duration);
    close(fd); /* the echo thread reads end of stream and ends */
    pthread_join(server, NULL);

    /* Measurement 2: streaming, counted by the server thread (sink). */
    fd = connect_to(&server, sink, &address, length);
    char *buffer = calloc(chunk, 1);
    for (double end = now() + warmup + duration; now() < end;) write_all(fd, buffer, chunk);
    close(fd); /* end of stream: the sink stops its clock when it has read everything */
    pthread_join(server, NULL);

    close(listener);
    if (name[0] != '@') unlink(name); /* a path's file outlives its socket: remove it */
    printf("round_trips_per_s=%.1f mb_per_s=%.1f\n", trips / (t - start), streamed_mb_per_s);
    return 0;
}
