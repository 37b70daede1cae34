#!/usr/bin/env bats
# The JBang templates in catalog.json: `./jbang init -t uds-server@catalog FILE.java` (and uds-client,
# uds-datagram) writes one standalone script a reader can build on. The generated scripts must run
# and talk to the kit's scripts and to python3 on real sockets; /proc/net/unix is the witness.

load helpers

TEMPLATES="uds-server uds-client uds-datagram"

# Generated once for the suite (the tests that talk use these), and run once (--version), so that
# no test pays for the compiler or for the launcher's first look at them (one JBang run to build, as
# `jbang build` would, and one to ask what to run). They run a few times and are gone: no class-data
# archive is made for them.
setup_file() {
  export UDS_KIT_LAUNCHER_PREPARATION=off
  cd "$KIT" || return 1
  local generated=$BATS_FILE_TMPDIR/generated
  ./jbang init -t uds-server@catalog "$generated/MyServer.java" 2>/dev/null || return 1
  ./jbang init -t uds-client@catalog "$generated/MyClient.java" 2>/dev/null || return 1
  ./jbang init -t uds-datagram@catalog "$generated/MyDatagram.java" 2>/dev/null || return 1
  for script in "$generated"/*.java; do
    ./jbang "$script" --version >/dev/null || return 1
  done
}

setup() {
  cd "$KIT" || return 1
  GENERATED=$BATS_FILE_TMPDIR/generated
}

# A generated script, run as a reader runs it.
run_generated() {
  local name=$1
  shift
  run --separate-stderr ./jbang "$GENERATED/$name.java" "$@"
}

# python_stream_client ADDRESS MESSAGE: sends MESSAGE, ends its stream, prints everything it gets back.
python_stream_client() {
  python3 -c '
import socket, sys
address = sys.argv[1]
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
client.settimeout(60)
client.connect("\0" + address[1:] if address.startswith("@") else address)
client.sendall(sys.argv[2].encode())
client.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = client.recv(65536)
    if not chunk:
        break
    reply += chunk
print("reply: %s" % reply.decode())' "$@"
}

# bats test_tags=jdk-neutral
@test "init -t TEMPLATE@catalog writes the template with its class named after the file, and nothing else changed" {
  for template in $TEMPLATES; do
    file=$BATS_TEST_TMPDIR/out/Generated.java
    rm -f "$file"
    run --separate-stderr ./jbang init -t "$template@catalog" "$file"
    assert_success
    assert_stderr --partial "File initialized"
    [ -x "$file" ]
    # Qute left the Java alone: only {baseName} was replaced (no NOT_FOUND for a brace it took as its own).
    run diff <(sed 's/{baseName}/Generated/g' "templates/$template.java.qute") "$file"
    assert_success
    run cat "$file"
    assert_line --index 0 '///usr/bin/env jbang "$0" "$@" ; exit $?'
    assert_line --index 1 '//JAVA 17+'
    assert_line '//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1'
    assert_line '//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED'
    assert_line --regexp '^class Generated implements Callable<Integer> \{$'
    assert_line --partial '@Command(name = "Generated", mixinStandardHelpOptions = true'
    refute_output --partial '//SOURCES' # standalone: a reader's copy has no lib/ beside it
    refute_output --partial 'NOT_FOUND'
  done
}

# bats test_tags=jdk-neutral
@test "the generated scripts pin the kit's versions of their dependencies" {
  for template in $TEMPLATES; do
    run bash -c "grep -h '^//DEPS' scripts/*.java templates/$template.java.qute | sort -u | sed 's/:[^:]*\$//' | uniq -d"
    assert_output ""
    run grep -c '^//DEPS' "templates/$template.java.qute"
    assert_output 3
  done
}

# bats test_tags=jdk-neutral
@test "each generated script answers --help and --version with its own name, and an example" {
  for name in MyServer MyClient MyDatagram; do
    run_generated "$name" --help
    assert_success
    assert_stderr ""
    assert_line --index 0 --regexp "^Usage: $name \\[-hV\\]"
    assert_line "Example:"
    assert_line --regexp "^  jbang $name\\.java @"
    run_generated "$name" --version
    assert_output "$name 0.1"
  done
}

@test "the generated server on @name: the kit's clients and python3 talk to it, and python3 gets the echo" {
  name=$(unique tserver)
  start_server server ./jbang "$GENERATED/MyServer.java" "@$name"
  wait_for_output server "^Server listening on @$name\$"
  run proc_net_unix_row "@$name"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +[0-9]+ @$name\$"

  run_script abstract-client --name "$name" "from the kit"
  assert_success
  wait_for_output server "^Received: from the kit\$"
  run ./jbang uds@catalog client "@$name" "from uds"
  assert_success
  wait_for_output server "^Received: from uds\$"
  # The kit's clients close at once: the echo finds nobody, and the server goes on.
  run server_log server
  assert_line --regexp "^Not echoed: Broken pipe\$"

  run python_stream_client "@$name" "from python"
  assert_success
  assert_output "reply: from python"
  wait_for_output server "^Echoed 11 bytes\$"

  stop_server server
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "the generated client: echoed by the generated server, no reply from the kit's abstract-server, exit 1 with nobody there" {
  name=$(unique techo)
  start_server server ./jbang "$GENERATED/MyServer.java" "@$name"
  wait_for_output server "^Server listening on @$name\$"
  run_generated MyClient "@$name" "round trip"
  assert_success
  assert_stderr ""
  assert_output "Sent: round trip
Reply: round trip"

  kit=$(unique tkit)
  start_script_server kit abstract-server --name "$kit" --count 1
  wait_for_output kit "^Server is listening for connections on abstract socket: $kit\$"
  run_generated MyClient "@$kit" "to the kit"
  assert_success
  assert_output "Sent: to the kit
No reply"
  wait_server kit
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log kit
  assert_line "Received data: to the kit"

  run_generated MyClient "@$(unique nobody)"
  assert_failure 1
  assert_output ""
  assert_stderr "MyClient: cannot connect to @$(unique nobody): Connection refused"
}

@test "the generated server on a path: python3 gets the echo, a second server leaves the live one alone, SIGTERM removes the file" {
  path=$(socket_path server.sock)
  start_server server ./jbang "$GENERATED/MyServer.java" "$path"
  wait_for_output server "^Server listening on $path\$"
  run python_stream_client "$path" "over a file"
  assert_output "reply: over a file"

  run_generated MyServer "$path"
  assert_failure 1
  assert_stderr "MyServer: $path exists: a server listens there, or a dead one left its file"
  assert [ -S "$path" ]
  run python_stream_client "$path" "still there"
  assert_output "reply: still there"
  run server_log server
  assert_output "Server listening on $path
Received: over a file
Echoed 11 bytes
Received: still there
Echoed 11 bytes" # the second server did not connect to look

  stop_server server TERM
  assert [ ! -e "$path" ]
}

@test "the generated server refuses an abstract name in use, asking the kernel instead of connecting to its holder" {
  name=$(unique ttaken)
  start_listener holder "@$name"
  run_generated MyServer "@$name"
  assert_failure 1
  assert_stderr "MyServer: @$name is already in use"
  # Only the listener: a connection to look would have left a queued one (state 02) under the name.
  run proc_net_unix_row "@$name"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +[0-9]+ @$name\$"
}

@test "the generated datagram socket answers the kit's datagram-client and python3, and says when it cannot" {
  name=$(unique tdgram)
  start_server dgram ./jbang "$GENERATED/MyDatagram.java" "@$name"
  wait_for_output dgram "^Datagram socket bound to @$name\$"
  run proc_net_unix_row "@$name"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0002 01 +[0-9]+ @$name\$"

  run_script datagram-client "@$name" one two
  assert_success
  assert_line "Reply: one"
  assert_line "Reply: two"
  client=$(sed -n 's/^Client is bound to datagram socket: //p' <<<"$output")
  wait_for_output dgram "^Received from $client: two\$"

  # python3 bound to a path gets its answer; bound to an abstract name it gets none: junixsocket pads
  # the name, so the socket cannot tell @own from @own\0 (another socket); unbound, none either.
  own=$(unique tpy)
  run python3 -c '
import socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(sys.argv[3])
client.settimeout(60)
client.sendto(b"from python", b"\0" + sys.argv[2].encode())
answer, sender = client.recvfrom(65536)
print("%s from @%s" % (answer.decode(), sender[1:].decode()))
named = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
named.bind(b"\0" + sys.argv[1].encode())
named.sendto(b"from a name", b"\0" + sys.argv[2].encode())
unbound = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
unbound.sendto(b"no address", b"\0" + sys.argv[2].encode())' "$own" "$name" "$BATS_TEST_TMPDIR/py.sock"
  assert_success
  assert_output "from python from @$name"
  wait_for_output dgram "^Not answered: the sender has no address"
  run server_log dgram
  assert_line "Received from $BATS_TEST_TMPDIR/py.sock: from python"
  assert_line "Received from @$own: from a name"
  assert_line "Not answered: junixsocket cannot tell this sender's address exactly (an abstract name, or a relative path)"
  assert_line "Received from (unnamed): no address"

  stop_server dgram
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "the generated datagram socket on a path: the kit's datagram-client gets its answer, and the file goes on SIGTERM" {
  path=$(socket_path dgram.sock)
  own=$(socket_path client.sock)
  start_server dgram ./jbang "$GENERATED/MyDatagram.java" "$path"
  wait_for_output dgram "^Datagram socket bound to $path\$"
  run_script datagram-client --bind "$own" "$path" "over a file"
  assert_success
  assert_line "Reply: over a file"
  wait_for_output dgram "^Received from $own: over a file\$"
  assert [ -S "$path" ]
  stop_server dgram TERM
  assert [ ! -e "$path" ]
  assert [ ! -e "$own" ]
}

@test "bad input to a generated script: an address over 107 bytes, or none, exits 2" {
  long=$(printf 'x%.0s' {1..108})
  for name in MyServer MyClient MyDatagram; do
    run_generated "$name" "@$long"
    assert_failure 2
    assert_output ""
    # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
    assert_equal "${stderr_lines[0]}" "Invalid value for positional parameter at index 0 (ADDRESS): an address must be 1 to 107 bytes (sun_path holds 108), not 108"
    run_generated "$name"
    assert_failure 2
    assert_equal "${stderr_lines[0]}" "Missing required parameter: 'ADDRESS'"
  done
}

# bats test_tags=jdk-neutral
@test "init does not overwrite an existing file: exit 1, the file unchanged" {
  file=$BATS_TEST_TMPDIR/Mine.java
  echo "// my own work" >"$file"
  run --separate-stderr ./jbang init -t uds-server@catalog "$file"
  assert_failure 1
  assert_stderr --partial "File $file already exists. Will not initialize."
  assert_equal "$(cat "$file")" "// my own work"
}

# bats test_tags=jdk-neutral
@test "init wants a file name that is a Java class name: my-server.java is refused, nothing written" {
  run --separate-stderr ./jbang init -t uds-server@catalog "$BATS_TEST_TMPDIR/my-server.java"
  assert_failure 2
  assert_stderr --partial "'my-server' is not a valid class name in java"
  assert [ ! -e "$BATS_TEST_TMPDIR/my-server.java" ]
}
