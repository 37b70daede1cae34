///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//SOURCES pathname-server.java pathname-client.java abstract-server.java abstract-client.java inspector.java
//SOURCES socketpair.java datagram-server.java datagram-client.java seqpacket-server.java seqpacket-client.java
//SOURCES fd-passing.java lifecycle.java bench.java
//SOURCES ../lib/Tour.java ../lib/JavaProcess.java
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//MAIN Uds
//DESCRIPTION One command for the whole kit: uds server, client, inspect, tour, and the scripts beyond the post.

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "uds", mixinStandardHelpOptions = true, version = Cli.VERSION,
        description = {"Unix domain sockets, step by step: the kit's scripts under one command.",
            "An ADDRESS is written the way ss prints it: @name is an abstract socket, anything else a path."},
        subcommands = {Uds.Server.class, Uds.Client.class, Uds.Inspect.class, Tour.class,
            Socketpair.class, DatagramServer.class, DatagramClient.class, SeqpacketServer.class, SeqpacketClient.class, FdPassing.class, Lifecycle.class, Bench.class,
            AutoComplete.GenerateCompletion.class},
        footer = {"", "Examples:", "  uds tour", "  uds server @demo &", "  uds client @demo 'hello'",
            "  uds inspect --listening", "  source <(uds generate-completion)"})
class Uds implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    @Command(name = "server", mixinStandardHelpOptions = true, version = Cli.VERSION,
            description = {"Listens on ADDRESS and prints what clients send.", "The pathname-server or abstract-server script, by ADDRESS."})
    static class Server implements Callable<Integer> {
        @Parameters(paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
                description = "@name (abstract) or a path.")
        String address;

        @Option(names = "--count", paramLabel = "N", converter = Cli.NonNegative.class,
                description = "Clients to serve before exiting; 0 serves until stopped (default: ${DEFAULT-VALUE}).")
        int count = 0;

        @CommandLine.Mixin
        PeerOptions peers = new PeerOptions();

        @Override
        public Integer call() throws Exception {
            if (SocketAddresses.isAbstract(address)) {
                AbstractServer server = new AbstractServer();
                server.name = SocketAddresses.abstractName(address);
                server.count = count;
                server.peers = peers;
                return server.call();
            }
            PathnameServer server = new PathnameServer();
            server.path = java.nio.file.Path.of(address);
            server.count = count;
            server.peers = peers;
            return server.call();
        }
    }

    @Command(name = "client", mixinStandardHelpOptions = true, version = Cli.VERSION,
            description = {"Sends one message to ADDRESS.", "The pathname-client or abstract-client script, by ADDRESS."})
    static class Client implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ADDRESS", converter = SocketAddresses.AddressConverter.class,
                description = "@name (abstract) or a path.")
        String address;

        @Parameters(index = "1", paramLabel = "MESSAGE", arity = "0..1",
                description = "Message to send, or - to send standard input (default: the post's message).")
        String message;

        @Override
        public Integer call() throws Exception {
            if (SocketAddresses.isAbstract(address)) {
                AbstractClient client = new AbstractClient();
                client.name = SocketAddresses.abstractName(address);
                if (message != null) {
                    client.message = message;
                }
                return client.call();
            }
            PathnameClient client = new PathnameClient();
            client.path = java.nio.file.Path.of(address);
            if (message != null) {
                client.message = message;
            }
            return client.call();
        }
    }

    /** The inspector script, under the name uds gives it. */
    @Command(name = "inspect")
    static class Inspect extends Inspector {
    }

    public static void main(String... args) {
        System.exit(Cli.execute(new Uds(), args));
    }
}
