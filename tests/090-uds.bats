#!/usr/bin/env bats
# uds: the kit under one command. Its server and client run the step scripts' own code, with the
# address written as ss prints it (@name, or a path); its tour runs the whole post.

load helpers

@test "uds --help lists every subcommand with a sentence that ends where its lines end" {
  cd "$KIT" || return 1
  run --separate-stderr ./jbang uds@catalog --help
  assert_success
  assert_line --index 0 "Usage: uds [-hV] [COMMAND]"
  # Each command's text runs from its line to the next command's: it must end a sentence.
  run python3 -c '
import re, sys
commands = sys.stdin.read().split("Commands:\n", 1)[1].split("\n\n", 1)[0]
for entry in re.split(r"\n(?=  \S)", commands):
    text = " ".join(entry.split()[1:])
    print(("ok " if text.endswith(".") else "cut ") + entry.split()[0] + ": " + text)' <<<"$output"
  refute_line --partial "cut "
  for command in server client inspect tour generate-completion socketpair fd-passing lifecycle; do
    assert_line --regexp "^ok $command: "
  done
}

@test "every command's help, every lesson's and tool's: each paragraph whole, for picocli alone to wrap" {
  # tests/fixtures/HelpTexts.java prints each description, parameter and option 1000 columns wide,
  # where picocli wraps nothing: a line is a paragraph as written, and must end as a sentence or an
  # item of a list does, not where a hand broke it ("Each message is").
  run --separate-stderr java -cp "$(classpath_of uds)" "$FIXTURES/HelpTexts.java"
  assert_success
  assert [ "${#lines[@]}" -gt 150 ]
  for command in uds "uds server" "uds tour" "uds inspect" "uds bench" "uds fd-passing send" "uds spy" "uds who-may-connect"; do
    assert_line --regexp "^$command: "
  done
  run grep -vE '[.:;!?)]$' <<<"$output"
  assert_output ""
}

@test "uds server @name and uds client @name print what the abstract lessons print" {
  name=$(unique uds)
  start_script_server server uds server "@$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script uds client "@$name"
  assert_success
  assert_output ""
  wait_server server
  run server_log server
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: Hello, abstract socket!"
}

@test "uds server PATH and uds client PATH print what the pathname lessons print, and serve one client by default" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path"
  wait_for_output server "^Server listening on $path\$"
  run_script uds client "$path" "from uds"
  assert_success
  assert_output ""
  assert_stderr "Connected to server at $path" # the kit's words: stdout is the server's alone
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: from uds"
  assert [ ! -e "$path" ]
}

@test "uds server serves many clients at once: a slow one does not hold up the next" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path" --count 2
  wait_for_output server "^Server listening on"
  start_server slow python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect(sys.argv[1])
client.sendall(b"slow, ")
print("sent", flush=True)
signal.pause()' "$path"
  wait_for_output slow "^sent\$"
  run_script uds client "$path" "fast"
  assert_success
  wait_for_output server "^Received data from client: fast\$"
  stop_server slow
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 3 "Received data from client: fast"
  assert_line --index 4 "Received data from client: slow, "
}

@test "uds server --max-clients: past the cap, clients wait in the listen queue, and it says so once" {
  name=$(unique capped)
  start_script_server server uds server "@$name" --max-clients 2 --count 3
  wait_for_output server "^Server is listening"
  for holder in one two; do
    start_server "$holder" python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect(b"\0" + sys.argv[1].encode())
client.sendall(sys.argv[2].encode())
print("sent", flush=True)
signal.pause()' "$name" "$holder"
    wait_for_output "$holder" "^sent\$"
  done
  wait_for_output server "^uds server: 2 clients at once \(--max-clients\): the next wait in the listen queue\$"
  # The third client connects (the kernel queues it) but is not accepted while two are served.
  start_server third python3 -c '
import socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect(b"\0" + sys.argv[1].encode())
client.sendall(b"third")
client.close()
print("sent", flush=True)' "$name"
  wait_for_output third "^sent\$"
  [ "$(grep -c '^Accepted connection' "$BATS_TEST_TMPDIR/server.log")" -eq 2 ]
  stop_server one
  wait_for_output server "^Received data: third\$"
  stop_server two
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  [ "$(grep -c 'clients at once' "$BATS_TEST_TMPDIR/server.log")" -eq 1 ]
}

@test "uds server --idle 1 lets a silent client go, and says so" {
  name=$(unique idle)
  start_script_server server uds server "@$name" --idle 1 --count 1
  wait_for_output server "^Server is listening"
  start_server idle python3 -c 'import signal, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); print("connected", flush=True); signal.pause()' "$name"
  wait_for_output idle "^connected\$"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "uds server: a client was silent for 1 seconds: let go"
}

@test "uds server --max-time 2: a client that trickles a byte every 0.2 s (never silent for --idle 1) holds its slot 2 s, no longer; the next is served" {
  name=$(unique trickle)
  start_script_server server uds server "@$name" --max-clients 1 --idle 1 --max-time 2 --count 2
  wait_for_output server "^Server is listening"
  start_server trickle python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(b"\0" + sys.argv[1].encode())
print("connected", flush=True)
while True:
    s.send(b".")
    time.sleep(0.2)' "$name"
  wait_for_output trickle "^connected\$"
  run_script uds client "@$name" "waited for a slot" # waits in the listen queue while the trickle holds the one slot
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "uds server: a client took more than 2 seconds in all (--max-time): let go"
  assert_line "Received data: waited for a slot"
}

@test "uds server --credentials shows the kernel's pid, uid and gid of each client" {
  name=$(unique creds)
  start_script_server server uds server "@$name" --credentials --count 1
  wait_for_output server "^Server is listening"
  start_server client python3 -c 'import os, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); print(os.getpid(), flush=True); s.sendall(b"hi"); s.close()' "$name"
  wait_server server
  pid=$(cat "$BATS_TEST_TMPDIR/client.log")
  run server_log server
  assert_line "Accepted connection from client (pid=$pid uid=$(id -u) gid=$(id -g))"
}

@test "uds client - sends standard input, streamed; a closed standard input sends nothing, exit 1" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path" --count 1
  wait_for_output server "^Server listening on"
  # Closed inside the command: bats' own pipe for the output would otherwise take fd 0.
  run --separate-stderr bash -c 'exec <&-; exec "$@"' _ "$KIT/jbang" "$KIT/scripts/uds.java" client "$path" -
  assert_failure 1
  assert_stderr --regexp "^uds: standard input was closed \(fd 0 is the JVM's own .*\): nothing to send\$"
  assert_output ""
  printf 'line one\nline two' | "$KIT/jbang" "$KIT/scripts/uds.java" client "$path" -
  wait_server server
  run server_log server
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: line one\\nline two"
}

@test "uds addresses take the kit's escapes: @a\\x00b is a name with a NUL inside" {
  name=$(unique nul)
  start_script_server server uds server "@$name\\x00inside" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\\\\x00inside\$"
  run ss -l -x -A unix_stream
  assert_line --regexp "^LISTEN .* @$name@inside [0-9]+ "
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode() + b"\0inside"); s.sendall(b"through a NUL"); s.close()' "$name"
  wait_server server
  run server_log server
  assert_line "Received data: through a NUL"
}

@test "uds builds only the subcommand it runs, and none for --version alone: no other command's class is loaded" {
  classes=$BATS_TEST_TMPDIR/classes
  # The JVM's own list of the classes it loads (JDK_JAVA_OPTIONS: the java launcher says it took them).
  JDK_JAVA_OPTIONS="-Xlog:class+load=info:file=$classes" run_script uds abstract-server --version
  assert_success
  assert_output "uds-kit 0.1.0"
  grep -qE '\] AbstractServer source: ' "$classes"
  run grep -cE '\] (StreamServer|Tour|PathnameServer|Bench) source: ' "$classes"
  assert_output 0
  JDK_JAVA_OPTIONS="-Xlog:class+load=info:file=$classes" run_script uds --version
  assert_success
  assert_output "uds-kit 0.1.0"
  run grep -cE '\] (AbstractServer|StreamServer|Tour|PathnameServer|Bench) source: ' "$classes"
  assert_output 0
  # uds --help lists them all, so it loads them all.
  JDK_JAVA_OPTIONS="-Xlog:class+load=info:file=$classes" run_script uds --help
  assert_success
  run grep -cE '\] (AbstractServer|StreamServer|Tour|PathnameServer|Bench) source: ' "$classes"
  assert_output 5
}

@test "the lessons run as uds subcommands, by their names" {
  run_script uds --help
  for lesson in "${LESSONS[@]}"; do
    name=$(basename "$lesson" .java)
    [ "$name" = inspector ] && name=inspect
    assert_line --regexp "^  $name +[A-Z]"
  done
  name=$(unique sub)
  start_script_server server uds abstract-server --name "$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script uds abstract-client --name "$name"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "uds server never removes a file that is not its own socket" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path" --count 0
  wait_for_output server "^Server listening on"
  assert_replaced_file_kept server "$path"
}

@test "uds server whose socket file was removed says so at its next client, exit 1, and leaves the file's other name" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path" --count 0
  wait_for_output server "^Server listening on"
  ln "$path" "$BATS_TEST_TMPDIR/other-name.sock" # the same socket file, by a name of the test's
  rm "$path"
  run_script uds client "$BATS_TEST_TMPDIR/other-name.sock" "through the other name" # answered or refused: either wakes it
  wait_server server
  [ "$SERVER_STATUS" -eq 1 ]
  run server_log server
  assert_line "uds: $path was removed or replaced: no client can reach this server any more"
  assert [ -S "$BATS_TEST_TMPDIR/other-name.sock" ]
}

@test "bash completion from uds generate-completion completes subcommands and options" {
  run_script uds generate-completion
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/uds-completion.bash"
  run bash -c 'source "$1"
    COMP_WORDS=(uds to); COMP_CWORD=1; _complete_uds; echo "${COMPREPLY[*]}"
    COMP_WORDS=(uds inspect --lis); COMP_CWORD=2; _complete_uds 2>/dev/null; echo "${COMPREPLY[*]}"' _ "$BATS_TEST_TMPDIR/uds-completion.bash"
  assert_success
  assert_output "tour
--listening"
}

@test "@name is an address, even where a file of that name exists (picocli would read it as arguments)" {
  name=$(unique atfile)
  cd "$BATS_TEST_TMPDIR"
  printf -- '--help\n' >"$name"
  start_script_server server uds server "@$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script uds client "@$name" "not an argument file"
  assert_success
  wait_server server
  run server_log server
  assert_line "Received data: not an argument file"
  start_script_server lesson peer-credentials "@$name" --count 1
  wait_for_output lesson "^Server listening on @$name\$"
}

@test "uds server asks the kernel over netlink: a forged row of /proc/net/unix neither blocks a free name nor hides a held one" {
  target=$(unique target)
  # A name with a newline, then text shaped like a LISTEN row of @target: /proc/net/unix shows that row.
  start_server forger python3 -c '
import signal, socket, sys
forged = "x\n0000000000000000: 00000002 00000000 00010000 0001 01 99999 @" + sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(b"\0" + forged.encode())
s.listen()
print("bound", flush=True)
signal.pause()' "$target"
  wait_for_output forger "^bound\$"
  grep -q " @$target\$" /proc/net/unix # the forged row is there
  start_script_server server uds server "@$target" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $target\$"
  run_script uds server "@$target"
  assert_failure 1
  assert_stderr "uds: @$target is already in use"
  run_script uds client "@$target" "the real one"
  wait_server server
  run server_log server
  assert_line --index 1 "Accepted connection from client"
  assert_line --index 2 "Received data: the real one"
}
