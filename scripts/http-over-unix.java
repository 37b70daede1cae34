///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS com.squareup.okhttp3:okhttp-jvm:5.5.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: HTTP over a unix socket, as curl --unix-socket speaks it to Docker's API: OkHttp with junixsocket's socket factory.

import java.io.*;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import okhttp3.*;
import org.newsclub.net.unix.*;
import picocli.CommandLine;
import picocli.CommandLine.*;

// `curl --unix-socket /var/run/docker.sock http://localhost/_ping` in Java. The JDK's HttpClient cannot:
// it connects over TCP to the URL's host and port, and lets no one hand it a socket (JDK 17 to 25).
// OkHttp asks a SocketFactory for each connection's socket: junixsocket's connects every one to the
// unix address, whatever host the URL names. The HTTP itself (chunks, keep-alive) is OkHttp's.
// (OkHttp 5 is okhttp-jvm for Maven and JBang: its plain `okhttp` artifact brings no classes there.)
@Command(name = "http-over-unix", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Sends HTTP requests to a server on a unix socket and prints the answers, as curl --unix-socket does.",
            "The body is printed as it came when standard output is not a terminal, escaped when it is.",
            "Several PATHs are asked for in turn, on one connection where the server keeps it open."},
        footer = {"", "Examples:", "  jbang http-over-unix.java /var/run/docker.sock /_ping",
            "  jbang http-over-unix.java @api -i -X POST -H 'Content-Type: application/json' -d '{}' /items"})
class HttpOverUnix implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS", description = "The server's address as ss prints it: @NAME (an abstract name) or a path.")
    String address;

    @Parameters(index = "1..*", paramLabel = "PATH", description = "The URL's path, and query if any (default: /).")
    List<String> paths = List.of("/");

    @Option(names = "-X", paramLabel = "METHOD", description = "The method (default: GET, or POST with -d).")
    String method;

    @Option(names = "-H", paramLabel = "'NAME: VALUE'", description = "A header to send (repeatable).")
    List<String> headerLines = new ArrayList<>();

    @Option(names = "-d", paramLabel = "DATA", description = "The body to send.")
    String data;

    @Option(names = "-i", description = "Print the status line and the headers too, before the body.")
    boolean include;

    @Option(names = {"-f", "--fail"}, description = "Exit 1 on a status of 400 or more, with no body printed (as curl's -f).")
    boolean failOnError;

    @Override
    public Integer call() throws IOException {
        AFUNIXSocketAddress server = unixAddress(address);
        if (server == null) {
            throw new ParameterException(new CommandLine(this), "ADDRESS must be @NAME or a path, in 1 to 107 bytes");
        }
        // The whole trick: every socket OkHttp opens connects to the server; the URL's host is only a Host header.
        OkHttpClient client = new OkHttpClient.Builder()
                .socketFactory(new AFSocketFactory.FixedAddressSocketFactory(server))
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)) // plain HTTP: no TLS to set up (most of its start-up cost)
                .build();
        boolean terminal = standardOutputIsTerminal();
        for (String path : paths) {
            Request request = request(path);
            int status;
            try (Response response = client.newCall(request).execute()) { // connect(), send the request, read the head
                status = response.code();
                if (include) {
                    System.out.println(escaped((response.protocol().toString().toUpperCase() + " " + status + " " + response.message()).getBytes(StandardCharsets.UTF_8)));
                    response.headers().forEach(header -> System.out.println(escaped((header.getFirst() + ": " + header.getSecond()).getBytes(StandardCharsets.UTF_8))));
                    System.out.println();
                }
                if (!failOnError || status < 400) {
                    printBody(response.body().byteStream(), terminal);
                }
            } catch (SocketException e) { // junixsocket's: connect() failed (no such file, refused, denied), or a reset
                throw new IOException(address + ": " + e.getMessage());
            } catch (IOException e) { // OkHttp's: the server closed the connection before its answer was whole
                throw new IOException(request.method() + " " + path + ": the answer broke off (" + e.getMessage() + ")");
            }
            if (failOnError && status >= 400) {
                throw new IOException(request.method() + " " + path + ": the server answered " + status);
            }
        }
        return 0;
    }

    /** The request for PATH as -X, -H and -d describe it; what OkHttp refuses is bad usage. */
    Request request(String path) {
        HttpUrl url = path.startsWith("/") ? HttpUrl.parse("http://localhost" + path) : null;
        if (url == null) {
            throw new ParameterException(new CommandLine(this), "PATH must start with / and make a URL: " + path);
        }
        try {
            Headers.Builder builder = new Headers.Builder();
            for (String line : headerLines) {
                builder.add(line); // "Name: value"
            }
            Headers headers = builder.build();
            // curl's -d sends a form, unless a -H says which type the body is.
            MediaType type = headers.get("Content-Type") == null ? MediaType.get("application/x-www-form-urlencoded") : null;
            RequestBody body = data == null ? null : RequestBody.create(data.getBytes(StandardCharsets.UTF_8), type);
            String verb = method != null ? method : data != null ? "POST" : "GET";
            return new Request.Builder().url(url).headers(headers).method(verb, body).build();
        } catch (IllegalArgumentException e) { // a header without a colon, a GET with -d, a POST without
            throw new ParameterException(new CommandLine(this), e.getMessage());
        }
    }

    /** The body: the bytes as they came into a pipe or file (like curl); on a terminal each line escaped, so it cannot move the cursor. */
    static void printBody(InputStream body, boolean terminal) throws IOException {
        if (!terminal) {
            body.transferTo(System.out);
        } else {
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.ISO_8859_1)); // one char a byte
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                System.out.println(escaped(line.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        System.out.flush();
    }

    /** Whether standard output is a terminal: its /proc link leads to one (the JDK's Console cannot say on every version). */
    static boolean standardOutputIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException e) {
            return false;
        }
    }

    /** ADDRESS as ss writes it: @NAME is an abstract name (a NUL byte first), anything else a path; null if sun_path cannot hold it. */
    static AFUNIXSocketAddress unixAddress(String address) throws SocketException {
        boolean named = address.startsWith("@");
        byte[] bytes = (named ? "\0" + address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // sun_path holds 108 bytes: a NUL and a name of 1 to 107 bytes, or a path of 1 to 107 bytes and a closing NUL.
        if (bytes.length < (named ? 2 : 1) || bytes.length > (named ? 108 : 107)) {
            return null;
        }
        return named ? AFUNIXSocketAddress.of(bytes) : AFUNIXSocketAddress.of(Path.of(address));
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
        CommandLine cli = new CommandLine(new HttpOverUnix());
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
