///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS org.postgresql:postgresql:42.7.13
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//DESCRIPTION Beyond the post: a database over its unix socket: PostgreSQL's JDBC driver with junixsocket's socket factory, and peer authentication.

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.sql.*;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.regex.*;
import org.postgresql.util.PSQLException;
import picocli.CommandLine;
import picocli.CommandLine.*;

// `psql -h /var/run/postgresql -c 'SELECT ...'` in Java. PostgreSQL listens on a socket file, and for
// such a client it can use `peer` authentication (pg_hba.conf): it asks the kernel who connected
// (SO_PEERCRED, as the peer-credentials lesson prints it) and lets that OS user in as the role of the
// same name (or one pg_ident.conf maps it to). No password crosses the socket.
// The JDK alone cannot: pgjdbc asks a javax.net.SocketFactory for a java.net.Socket, and the JDK's unix
// sockets are SocketChannels only (their socket() adaptor throws). junixsocket's AFUNIXSocket is a
// java.net.Socket, and its FactoryArg connects every one to the file in socketFactoryArg.
@Command(name = "postgres-over-unix", mixinStandardHelpOptions = true, version = "uds-kit 0.1.0",
        description = {"Runs one query on a PostgreSQL server over its unix socket, as psql -h FOLDER does, and prints the rows as a table.",
            "The server knows who connects from the kernel (peer authentication): no password is sent."},
        footer = {"", "Examples:", "  jbang postgres-over-unix.java",
            "  jbang postgres-over-unix.java --socket /tmp/pg --port 5433 --database shop",
            "  jbang postgres-over-unix.java --repeat 10000 'SELECT 1'"})
class PostgresOverUnix implements Callable<Integer> {
    @Option(names = "--socket", paramLabel = "PATH", description = "The server's socket file, or its folder as libpq's host (default: ${DEFAULT-VALUE}).")
    Path socket = Path.of("/var/run/postgresql");

    @Option(names = "--port", paramLabel = "PORT", description = "The port in the socket file's name, when --socket is a folder: .s.PGSQL.PORT; with --host, the TCP port (default: ${DEFAULT-VALUE}).")
    int port = 5432;

    @Option(names = "--user", paramLabel = "NAME", description = "The role to log in as (default: the OS user, as psql does).")
    String user = System.getProperty("user.name");

    @Option(names = "--database", paramLabel = "NAME", description = "The database (default: ${DEFAULT-VALUE}).")
    String database = "postgres";

    @Parameters(paramLabel = "QUERY", arity = "0..1", description = "The SQL to run (default: ${DEFAULT-VALUE}).")
    String query = "SELECT current_user, version(), inet_client_addr()";

    @Option(names = "--host", paramLabel = "HOST", description = "Connect over TCP to HOST and --port instead of the socket, to compare: the server asks for a password there (PGPASSWORD, as psql reads it), since no kernel can vouch for the client.")
    String host;

    @Option(names = "--repeat", paramLabel = "N", description = "Then run QUERY N more times on the same connection, and print how long a round trip took (median and 99th percentile).")
    int repeat;

    @Spec
    Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (repeat < 0) {
            throw new ParameterException(spec.commandLine(), "--repeat must be 0 or more, not " + repeat);
        }
        Properties options = new Properties();
        options.setProperty("user", user);
        options.setProperty("sslmode", "disable"); // no TLS to ask for: only the kernel is between the two ends
        options.setProperty("gssEncMode", "disable"); // nor GSSAPI encryption
        Path file = null;
        if (host == null) {
            file = Files.isDirectory(socket) ? socket.resolve(".s.PGSQL." + port) : socket;
            if (!Files.exists(file)) {
                throw new IOException("no server: " + file + " does not exist (is PostgreSQL running, with this folder in unix_socket_directories?)");
            }
            if (((Integer) Files.getAttribute(file, "unix:mode") & 0170000) != 0140000) { // S_IFSOCK: connect() would only say "refused"
                throw new IOException(file + " is not a socket file");
            }
            // The whole trick: pgjdbc's sockets come from junixsocket, connected to the socket file; the
            // URL's host and port are never used.
            options.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
            options.setProperty("socketFactoryArg", file.toString());
        } else if (System.getenv("PGPASSWORD") != null) { // TCP, to compare: a password, as psql takes it
            options.setProperty("password", System.getenv("PGPASSWORD"));
        }
        String url = "jdbc:postgresql://" + (host == null ? "localhost" : host + ":" + port) + "/" + database;
        try (Connection connection = DriverManager.getConnection(url, options);
                Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery(query)) {
                printTable(rows);
            }
            if (repeat > 0) {
                printRoundTrips(statement, host == null ? file.toString() : "TCP " + host + ":" + port);
            }
        } catch (SQLException e) {
            throw new IOException(explained(e, file));
        }
        return 0;
    }

    /** Runs the query --repeat times more, reading every row, and prints the median and 99th percentile time of one. */
    void printRoundTrips(Statement statement, String where) throws SQLException {
        long[] nanos = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            long start = System.nanoTime();
            try (ResultSet rows = statement.executeQuery(query)) {
                while (rows.next()) {
                    rows.getString(1);
                }
            }
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "%d round trips over %s: median %.3f ms, 99th percentile %.3f ms%n",
                repeat, where, nanos[repeat / 2] / 1e6, nanos[repeat * 99 / 100] / 1e6);
    }

    /** What went wrong, decided by the SQLState, the exception's type and access(2), never by a message's words. */
    String explained(SQLException e, Path file) {
        String state = String.valueOf(e.getSQLState());
        if (state.equals("08001") && e.getCause() instanceof SocketException) { // connect() failed
            if (file == null) {
                return "no server: nothing listens on " + host + ":" + port + " (connection refused)";
            }
            // junixsocket gives ECONNREFUSED and EACCES one type, and strerror's words are translated:
            // connect() needs write permission on the socket file, so access(2) tells the two apart.
            return Files.isWritable(file) ? "no server: nothing listens on " + file + " (connection refused: a stale socket file, its server is gone)"
                    : file + ": permission denied (connect() needs write permission on the socket file)";
        }
        String said = e instanceof PSQLException && ((PSQLException) e).getServerErrorMessage() != null
                ? ((PSQLException) e).getServerErrorMessage().getMessage() : e.getMessage();
        if (file != null && (state.equals("28000") || state.equals("28P01"))) { // invalid authorization, invalid password
            String osUser = System.getProperty("user.name");
            return "the server refused role " + user + " to OS user " + osUser + " (" + said + "): peer authentication lets an OS user"
                    + " in as the role of its own name only: create role " + osUser + " (createuser " + osUser + "), or map " + osUser
                    + " to " + user + " in pg_ident.conf and add map=NAME to pg_hba.conf's local line";
        }
        return "the server answered " + state + ": " + said;
    }

    /** The rows as psql prints them: a header, a rule, one line a row (NULL spelled out), and the count. */
    static void printTable(ResultSet rows) throws SQLException {
        int columns = rows.getMetaData().getColumnCount();
        List<String[]> lines = new ArrayList<>();
        String[] header = new String[columns];
        for (int i = 0; i < columns; i++) {
            header[i] = escaped(rows.getMetaData().getColumnLabel(i + 1).getBytes(StandardCharsets.UTF_8));
        }
        lines.add(header);
        while (rows.next()) {
            String[] line = new String[columns];
            for (int i = 0; i < columns; i++) {
                String value = rows.getString(i + 1); // text from others: escaped, as any name or message
                line[i] = value == null ? "NULL" : escaped(value.getBytes(StandardCharsets.UTF_8));
            }
            lines.add(line);
        }
        int[] widths = new int[columns];
        for (String[] line : lines) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (int n = 0; n < lines.size(); n++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = lines.get(n)[i];
                text.append(i == 0 ? "" : " | ").append(i == columns - 1 ? cell : String.format("%-" + widths[i] + "s", cell));
            }
            System.out.println(text);
            if (n == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
                }
                System.out.println(rule);
            }
        }
        System.out.println("(" + (lines.size() - 1) + (lines.size() == 2 ? " row)" : " rows)"));
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
        CommandLine cli = new CommandLine(new PostgresOverUnix());
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
