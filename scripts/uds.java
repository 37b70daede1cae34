///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES pathname-server.java pathname-client.java abstract-server.java abstract-client.java inspector.java
//SOURCES socketpair.java datagram-server.java datagram-client.java seqpacket-server.java seqpacket-client.java
//SOURCES fd-passing.java lifecycle.java peer-credentials.java pathname-server-jdk.java bench.java
//SOURCES who-may-connect.java spy.java socket-activation.java http-over-unix.java postgres-over-unix.java
//SOURCES ../lib/Cli.java ../lib/LessonCopies.java ../lib/Address.java ../lib/FileMode.java ../lib/StreamServer.java ../lib/StreamClient.java
//SOURCES ../lib/Tour.java ../lib/JavaProcess.java ../lib/ChildProcesses.java ../lib/Json.java ../lib/Machine.java ../lib/CReference.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//MAIN Uds
//DESCRIPTION One command for the whole kit: uds server, client, inspect, tour, and every lesson by its name.

import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

// The kit's tool: the lessons run as subcommands (uds sources their files, so their code is the
// lessons' own), and `server` and `client` take any ADDRESS and do what the lessons leave out.
@Command(name = "uds", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Unix domain sockets, step by step: the kit's lessons and tools under one command.",
            "An ADDRESS is written the way ss prints it: @name is an abstract socket, anything else a path."},
        footer = {"", "Examples:", "  uds tour", "  uds server @demo &", "  uds client @demo 'hello'",
            "  uds inspect --listening", "  source <(uds generate-completion)",
            "", "In the kit's folders uds is `jbang uds`; elsewhere install it: jbang app install uds@PATH-TO-KIT"})
class Uds implements Callable<Integer> {
    /** The subcommands, in the order uds --help lists them (a method: a field would load every class at start). */
    static List<Class<?>> subcommands() {
        return List.of(StreamServer.class, StreamClient.class, Uds.Inspect.class, Tour.class,
                PathnameServer.class, PathnameClient.class, AbstractServer.class, AbstractClient.class,
                Socketpair.class, DatagramServer.class, DatagramClient.class, SeqpacketServer.class, SeqpacketClient.class,
                FdPassing.class, Lifecycle.class, PeerCredentials.class, WhoMayConnect.class, PathnameServerJdk.class, Spy.class, SocketActivation.class,
                HttpOverUnix.class, PostgresOverUnix.class,
                Bench.class, AutoComplete.GenerateCompletion.class);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** The inspector lesson, under the name uds gives it. */
    @Command(name = "inspect")
    static class Inspect extends Inspector {
    }

    public static void main(String... args) {
        System.exit(Cli.execute(commandLine(args), args));
    }

    /**
     * uds with only the subcommand named first in ARGS: picocli reads every option of a subcommand
     * when it is added, which for all of them took longer than the lesson itself needs to start; and
     * the name comes from a switch, since finding it in each subcommand's annotation loads all their
     * classes. `uds --version` alone gets none; uds's own help, its completion script and anything
     * else get them all.
     */
    static CommandLine commandLine(String... args) {
        CommandLine uds = new CommandLine(new Uds());
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return uds;
        }
        Class<?> named = subcommand(args.length > 0 ? args[0] : "");
        if (named != null) {
            uds.addSubcommand(named);
            return uds;
        }
        for (Class<?> subcommand : subcommands()) {
            String name = subcommand.getAnnotation(Command.class).name();
            if (subcommand != AutoComplete.GenerateCompletion.class && subcommand(name) != subcommand) { // the two lists agree
                throw new IllegalStateException("uds: " + subcommand.getName() + " is not under its name " + name + " in Uds.subcommand");
            }
            uds.addSubcommand(subcommand);
        }
        return uds;
    }

    /** The subcommand called NAME, or null; generate-completion is not here: it needs them all. */
    static Class<?> subcommand(String name) {
        return switch (name) {
            case "server" -> StreamServer.class;
            case "client" -> StreamClient.class;
            case "inspect" -> Uds.Inspect.class;
            case "tour" -> Tour.class;
            case "pathname-server" -> PathnameServer.class;
            case "pathname-client" -> PathnameClient.class;
            case "abstract-server" -> AbstractServer.class;
            case "abstract-client" -> AbstractClient.class;
            case "socketpair" -> Socketpair.class;
            case "datagram-server" -> DatagramServer.class;
            case "datagram-client" -> DatagramClient.class;
            case "seqpacket-server" -> SeqpacketServer.class;
            case "seqpacket-client" -> SeqpacketClient.class;
            case "fd-passing" -> FdPassing.class;
            case "lifecycle" -> Lifecycle.class;
            case "peer-credentials" -> PeerCredentials.class;
            case "who-may-connect" -> WhoMayConnect.class;
            case "pathname-server-jdk" -> PathnameServerJdk.class;
            case "spy" -> Spy.class;
            case "socket-activation" -> SocketActivation.class;
            case "http-over-unix" -> HttpOverUnix.class;
            case "postgres-over-unix" -> PostgresOverUnix.class;
            case "bench" -> Bench.class;
            default -> null;
        };
    }
}
