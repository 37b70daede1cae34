#!/usr/bin/env bats
# Beyond the post: datagram (SOCK_DGRAM) sockets. The server answers each datagram in upper case to
# the sender's address (TLPI's ud_ucase); the client binds an address of its own to get the answer.
# Peers the kit did not write: python3's socket module, both ways; witnesses: /proc/net/unix and ss.

load helpers

# start_python_server LABEL NAME [silent]: a python3 datagram server on @NAME that prints what it
# receives and from which address (with the address's length, as the kernel gave it), and answers
# data.upper() to the sender, unless "silent".
start_python_server() {
  start_server "$1" python3 -c '
import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(b"\0" + sys.argv[1].encode())
print("bound", flush=True)
while True:
    data, sender = server.recvfrom(65536)
    shown = "@" + sender[1:].decode() if sender[:1] == b"\0" else sender
    print("received %r from %s (%d bytes)" % (data.decode(), shown, len(sender)), flush=True)
    if sys.argv[2] != "silent":
        server.sendto(data.upper(), sender)' "$2" "${3:-answer}"
  wait_for_output "$1" "^bound\$"
}

# python_client CLIENT_NAME SERVER_NAME MESSAGE...: a python3 datagram client bound to @CLIENT_NAME
# that sends every MESSAGE to @SERVER_NAME before it reads any answer, then prints each answer
# with its sender.
python_client() {
  python3 -c '
import socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(b"\0" + sys.argv[1].encode())
client.settimeout(60)
for message in sys.argv[3:]:
    client.sendto(message.encode(), b"\0" + sys.argv[2].encode())
for message in sys.argv[3:]:
    answer, sender = client.recvfrom(65536)
    print("%s from @%s" % (answer.decode(), sender[1:].decode()))' "$@"
}

# The name the Java client bound, from its first line of output.
client_address() {
  sed -n 's/^Client is bound to datagram socket: //p' <<<"$1"
}

@test "Java client -> Java server on abstract names: the answer comes back in upper case" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound to datagram socket: @$name\$"

  run_script datagram-client "@$name"
  assert_success
  assert_stderr "" # no warning, on any JDK
  assert_line --index 0 --regexp "^Client is bound to datagram socket: @datagram-client-[0-9]+\$"
  assert_line --index 1 "Sent: Hello, datagram socket!"
  assert_line --index 2 "Reply: HELLO, DATAGRAM SOCKET!"
  [ "${#lines[@]}" -eq 3 ]
  client=$(client_address "$output")

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from $client: Hello, datagram socket!"
  # The client's own name went with it.
  assert [ -z "$(proc_net_unix_row "$client")" ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "Java client -> Java server on pathnames: both socket files are removed afterwards" {
  path=$(socket_path server.sock)
  own=$(socket_path client.sock)
  start_script_server server datagram-server "$path" --count 1
  wait_for_output server "^Server is bound to datagram socket: $path\$"
  assert [ -S "$path" ]

  # Upper case byte by byte, as C's toupper() and python's bytes.upper(): ASCII letters only.
  run_script datagram-client --bind "$own" "$path" "through the file system, café"
  assert_success
  assert_output "Client is bound to datagram socket: $own
Sent: through the file system, café
Reply: THROUGH THE FILE SYSTEM, CAFé"

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received datagram from $own: through the file system, café"
  assert [ ! -e "$path" ]
  assert [ ! -e "$own" ]
  assert [ -z "$(proc_net_unix_row "$path")" ]
  assert [ -z "$(proc_net_unix_row "$own")" ]
}

@test "message boundaries are kept: several datagrams, each received and answered on its own" {
  name=$(unique dgram)
  client=$(unique py-client)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"

  # python sends all three before it reads any answer: a stream could deliver them as one run of
  # bytes; here each is one receive, and gets one answer.
  run python_client "$client" "$name" "one" "two words" "three"
  assert_success
  assert_output "ONE from @$name
TWO WORDS from @$name
THREE from @$name"
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from @$client: one
Received datagram from @$client: two words
Received datagram from @$client: three"

  # The Java client: each MESSAGE one datagram, each answer one receive; a newline does not split one.
  run_script datagram-client --bind "@$client-java" "@$name" "first" $'line one\nline two' "last"
  assert_success
  assert_output "Client is bound to datagram socket: @$client-java
Sent: first
Reply: FIRST
Sent: line one\\nline two
Reply: LINE ONE\\nLINE TWO
Sent: last
Reply: LAST"
  wait_for_output server "^Received datagram from @$client-java: last\$"
  run server_log server
  assert_line "Received datagram from @$client-java: line one\\nline two"
}

@test "python3's socket module as client: it binds its own abstract name and gets the upper-case answer" {
  name=$(unique dgram)
  client=$(unique py-client)
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound"

  run python_client "$client" "$name" "Hello from python"
  assert_success
  # The answer comes from the server's name exactly: no padding on the way out.
  assert_output "HELLO FROM PYTHON from @$name"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  # junixsocket hands over the sender's name padded with NULs; the server shows and answers it trimmed.
  assert_line "Received datagram from @$client: Hello from python"
}

@test "the Java client against a python3 echo-upper server: the kernel gives python the client's exact name" {
  name=$(unique py-server)
  own=$(unique java-client)
  start_python_server pyserver "$name"

  run_script datagram-client --bind "@$own" "@$name" "hello" "from java"
  assert_success
  assert_output "Client is bound to datagram socket: @$own
Sent: hello
Reply: HELLO
Sent: from java
Reply: FROM JAVA"
  run server_log pyserver
  assert_line "received 'hello' from @$own ($((${#own} + 1)) bytes)"
  assert_line "received 'from java' from @$own ($((${#own} + 1)) bytes)"
}

@test "an empty datagram: the Java server says it cannot tell the sender; an empty answer is printed as one" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"", b"\0" + sys.argv[1].encode())' "$name"
  wait_for_output server "^Received an empty datagram \(junixsocket does not say from whom\): not answered\$"
  # ... and the server goes on.
  run_script datagram-client --bind "@$(unique after)" "@$name" "after"
  assert_success
  assert_line "Reply: AFTER"

  # python3 answers an empty datagram with an empty one; junixsocket reports that as a timeout, at once.
  pyname=$(unique py-server)
  start_python_server pyserver "$pyname"
  run_script datagram-client --bind "@$(unique empty)" --timeout 60 "@$pyname" ""
  assert_success
  assert_line --index 1 "Sent: "
  assert_line --index 2 "Reply: "
  wait_for_output pyserver "^received '' from "
}

@test "a sender that did not bind is shown as (unnamed) and not answered" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"from nowhere", b"\0" + sys.argv[1].encode())' "$name"
  run_script datagram-client --bind "@$(unique named)" "@$name" "named"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Received datagram from (unnamed): from nowhere"
  assert_line --index 2 "Not answered: the sender has no address"
  assert_line --index 3 --regexp "^Received datagram from @uds-kit-test-.*-named: named\$"
}

@test "an oversized datagram is reported as cut, not answered, and the server goes on" {
  name=$(unique dgram)
  client=$(unique py-client)
  start_script_server server datagram-server "@$name" --max-size 10
  wait_for_output server "^Server is bound"

  # Exactly --max-size bytes is whole.
  run_script datagram-client --bind "@$client-java" "@$name" "0123456789"
  assert_success
  assert_line "Reply: 0123456789"
  # One byte more is not.
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0" + sys.argv[1].encode()); s.sendto(b"0123456789x", b"\0" + sys.argv[2].encode())' "$client" "$name"
  wait_for_output server "^Datagram from @$client was longer than 10 bytes: cut, not answered\$"
  run server_log server
  refute_line --partial "0123456789x"
  refute_line --regexp "^Received datagram from @$client:"

  # The Java client waits for an answer that does not come: exit 1, one clear line.
  run_script datagram-client --bind "@$client-java" --timeout 1 "@$name" "0123456789x"
  assert_failure 1
  assert_stderr "datagram-client: no reply from @$name within 1 s"
  assert_line "Sent: 0123456789x"
  refute_line --partial "Reply:"
  assert [ -z "$(proc_net_unix_row "@$client-java")" ]
}

@test "the default --max-size: 65536 bytes are whole, 70000 are reported as cut" {
  name=$(unique dgram)
  client=$(unique py-client)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound"
  head -c 65536 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/whole"
  run bash -c '"$1" "$2" --bind "$3" "$4" - <"$5"' _ "$KIT/jbang" "$KIT/scripts/datagram-client.java" "@$client-java" "@$name" "$BATS_TEST_TMPDIR/whole"
  assert_success
  assert_line "Reply: $(tr a A <"$BATS_TEST_TMPDIR/whole")"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0" + sys.argv[1].encode()); s.sendto(b"x" * 70000, b"\0" + sys.argv[2].encode())' "$client" "$name"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Received datagram from @$client-java: $(cat "$BATS_TEST_TMPDIR/whole")"
  assert_line --index 2 "Datagram from @$client was longer than 65536 bytes: cut, not answered"
}

@test "/proc/net/unix and ss show the server as a datagram socket (type 0002, u_dgr), unconnected" {
  name=$(unique dgram)
  path=$(socket_path server.sock)
  start_script_server abstract datagram-server "@$name"
  start_script_server pathname datagram-server "$path"
  wait_for_output abstract "^Server is bound"
  wait_for_output pathname "^Server is bound"

  for address in "@$name" "$path"; do
    # Type 0002 (SOCK_DGRAM), flags 00000000 (never listening), state 01 (unconnected).
    run proc_net_unix_row "$address"
    assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0002 01 +[0-9]+ $address\$"
    run ss -x -a
    assert_line --regexp "^u_dgr +UNCONN +0 +0 +$address [0-9]+ "
  done
  inode=$(ss_inode "@$name")
  run ls -l "/proc/${SERVER_PID[abstract]}/fd"
  assert_output --regexp " -> socket:\[$inode\]"
}

@test "an abstract name is taken per socket type: a stream listener's name is free for a datagram server" {
  name=$(unique shared)
  start_listener stream "@$name"
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound to datagram socket: @$name\$"
  # Two rows for one name: a stream socket (type 0001) listening, a datagram socket (0002).
  assert_equal "$(proc_net_unix_row "@$name" | awk '{ print $4, $5 }' | sort)" "00000000 0002
00010000 0001"
  run_script datagram-client --bind "@$(unique c)" "@$name" "to the datagram one"
  assert_success
  assert_line "Reply: TO THE DATAGRAM ONE"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "a client that does not read its answers does not hold up the server" {
  name=$(unique dgram)
  greedy=$(unique greedy)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  # More datagrams than the kernel queues for one socket (net.unix.max_dgram_qlen), none read.
  sends=$(($(cat /proc/sys/net/unix/max_dgram_qlen) + 5))
  start_server greedy python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(b"\0" + sys.argv[1].encode())
for i in range(int(sys.argv[3])):
    client.sendto(b"m%d" % i, b"\0" + sys.argv[2].encode())
print("sent", flush=True)
signal.pause()' "$greedy" "$name" "$sends"
  wait_for_output greedy "^sent\$"
  wait_for_output server "^Received datagram from @$greedy: m$((sends - 1))\$"
  run server_log server
  assert_line "datagram-server: answer to @$greedy dropped: its queue is full (it does not read)"

  run_script datagram-client --bind "@$(unique next)" "@$name" "next"
  assert_success
  assert_line "Reply: NEXT"
}

@test "a sender that is gone when the server answers: reported on stderr, and the server goes on" {
  name=$(unique dgram)
  client=$(unique gone)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  # Held still while the client sends and exits, the server reads the datagram after its sender is gone.
  kill -STOP "${SERVER_PID[server]}"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0" + sys.argv[1].encode()); s.sendto(b"bye", b"\0" + sys.argv[2].encode())' "$client" "$name"
  kill -CONT "${SERVER_PID[server]}"
  wait_for_output server "^datagram-server: cannot answer @$client: Connection refused\$"
  run server_log server
  assert_line --index 1 "Received datagram from @$client: bye"

  run_script datagram-client --bind "@$client-next" "@$name" "next"
  assert_success
  assert_line "Reply: NEXT"
}

@test "a server that never answers: exit 1 with one line after --timeout, and the client's name is gone" {
  name=$(unique py-server)
  start_python_server pyserver "$name" silent

  run_script datagram-client --timeout 1 "@$name" "anyone there?"
  assert_failure 1
  assert_stderr "datagram-client: no reply from @$name within 1 s"
  assert_line --index 1 "Sent: anyone there?"
  client=$(client_address "$output")
  [ -n "$client" ]
  wait_for_output pyserver "^received 'anyone there\?' from $client "
  assert [ -z "$(proc_net_unix_row "$client")" ]
}

@test "SIGTERM and Ctrl-C: the server and the client remove their socket files" {
  path=$(socket_path server.sock)
  for signal in TERM INT; do
    start_script_server server datagram-server "$path"
    wait_for_output server "^Server is bound"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[server]}"
    wait_server server
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
    assert [ -z "$(proc_net_unix_row "$path")" ]
  done

  # A client waiting for an answer that does not come.
  name=$(unique py-server)
  own=$(socket_path client.sock)
  start_python_server pyserver "$name" silent
  start_script_server client datagram-client --bind "$own" --timeout 0 "@$name" "waiting"
  wait_for_output client "^Sent: waiting\$"
  assert [ -S "$own" ]
  kill -TERM "${SERVER_PID[client]}"
  wait_server client
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ ! -e "$own" ]
  assert [ -z "$(proc_net_unix_row "$own")" ]
}

@test "a stale socket file at the server's path is removed (and said so), then bound" {
  path=$(socket_path server.sock)
  make_stale_socket "$path"
  start_script_server server datagram-server "$path" --count 1
  wait_for_output server "^Server is bound"
  run server_log server
  assert_line --index 0 "Removed stale socket file $path (its server is gone)"
  run_script datagram-client --bind "@$(unique c)" "$path" "after the stale one"
  assert_success
  assert_line "Reply: AFTER THE STALE ONE"
  wait_server server
  assert [ ! -e "$path" ]
}

# Bad input: one line on stderr with the right exit code, nothing left behind; unlike the other
# suites' bad_input (helpers.bash), a runtime failure may come after the client said where it is bound.
datagram_bad_input() {
  local script=$1 arguments=$2 status=$3 expected=$4
  local dir=$BATS_TEST_TMPDIR/d held free long long_name before
  mkdir "$dir"
  echo "keep me" >"$dir/file"
  make_stale_socket "$dir/stale.sock"
  held=$(unique held)
  free=$(unique free)
  start_listener live "$dir/live.sock"
  # An abstract name is taken per socket type: only another datagram socket makes it "in use".
  start_server held python3 -c '
import signal, socket, sys
holder = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
holder.bind(b"\0" + sys.argv[1].encode())
print("bound", flush=True)
signal.pause()' "$held"
  wait_for_output held "^bound\$"
  # shellcheck disable=SC2034 # the cases' arguments use them, through eval
  long=$dir/$(printf 'x%.0s' $(seq $((108 - ${#dir} - 1)))) long_name=$(printf 'n%.0s' $(seq 108))
  before=$(find "$dir" -printf '%p %y %i %s\n' | sort; proc_net_unix_row "$dir/live.sock"; proc_net_unix_row "@$held")

  eval "set -- $arguments"
  run_script "$script" "$@"
  assert_failure "$status"
  if [ "$status" -eq 2 ]; then
    assert_output ""
  fi
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr --regexp "^$script: $expected"
  assert_equal "$(find "$dir" -printf '%p %y %i %s\n' | sort; proc_net_unix_row "$dir/live.sock"; proc_net_unix_row "@$held")" "$before"
  assert [ -z "$(proc_net_unix_row "@$free")" ]
  assert [ -z "$(proc_net_unix_row "@$free-own")" ]
}

while IFS='|' read -r script arguments status expected; do
  [ -n "$script" ] || continue
  bats_test_function --description "bad input: ${script} ${arguments//\$/\\\$} -> exit $status" \
    -- datagram_bad_input "$script" "$arguments" "$status" "$expected"
done <<'CASES'
datagram-server|"@$long_name"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): an abstract name must be 1 to 107 bytes \(sun_path holds 108, with the leading NUL\), not 108
datagram-server|"$long"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): a socket path must be 1 to 107 bytes \(sun_path holds 108, with the closing NUL\), not 108
datagram-server|@|2|Invalid value for positional parameter at index 0 \(ADDRESS\): an abstract name must be 1 to 107 bytes .*, not 0
datagram-server|"@$free" --count -1|2|Invalid value for option '--count': must be 0 or more, not -1
datagram-server|"@$free" --count many|2|Invalid value for option '--count': 'many' is not a whole number
datagram-server|"@$free" --max-size 0|2|Invalid value for option '--max-size': must be 1 to 16777216 bytes, not 0
datagram-server|"@$free" --max-size 16777217|2|Invalid value for option '--max-size': must be 1 to 16777216 bytes, not 16777217
datagram-server|"@$free" extra|2|Unmatched argument at index 1: 'extra'
datagram-server|"@$held"|1|@uds-kit-test-.*-held is already in use by another datagram socket$
datagram-server|"$dir/live.sock"|1|.*/d/live.sock is a live server's socket: left untouched$
datagram-server|"$dir/file"|1|.*/d/file exists and is not a socket: left untouched$
datagram-client||2|Missing required parameter: 'ADDRESS'
datagram-client|"@$long_name"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): an abstract name must be 1 to 107 bytes .*, not 108
datagram-client|"$long"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): a socket path must be 1 to 107 bytes .*, not 108
datagram-client|--bind "@$long_name" "@$free"|2|Invalid value for option '--bind': an abstract name must be 1 to 107 bytes .*, not 108
datagram-client|--timeout -1 "@$free"|2|Invalid value for option '--timeout': must be 0 or more, not -1
datagram-client|--timeout soon "@$free"|2|Invalid value for option '--timeout': 'soon' is not a whole number
datagram-client|--bind "@$free-own" "@$free"|1|cannot send to @uds-kit-test-.*-free: Connection refused$
datagram-client|--bind "@$free-own" "$dir/none.sock"|1|cannot send to .*/d/none.sock: No such file or directory$
datagram-client|--bind "@$free-own" "$dir/stale.sock"|1|cannot send to .*/d/stale.sock: Connection refused$
datagram-client|--bind "@$free-own" "$dir/live.sock"|1|cannot send to .*/d/live.sock: Protocol wrong type for socket$
datagram-client|--bind "@$free-own" "$dir/file"|1|cannot send to .*/d/file: Connection refused$
datagram-client|--bind "@$held" "@$free"|1|@uds-kit-test-.*-held is already in use by another datagram socket$
datagram-client|--bind "$dir/live.sock" "@$free"|1|.*/d/live.sock is a live server's socket: left untouched$
datagram-client|--bind "$dir/file" "@$free"|1|.*/d/file exists and is not a socket: left untouched$
CASES
