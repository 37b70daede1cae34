#!/usr/bin/env bats
# Beyond the post: datagram (SOCK_DGRAM) sockets. The server answers each datagram in upper case to
# the sender's address (TLPI's ud_ucase), where it knows that address exactly: a path, since
# junixsocket pads an abstract sender's name with NULs. The client binds an address of its own and
# connect()s to the server, so that only the server's datagrams reach it.
# Peers the kit did not write: python3's socket module, both ways; witnesses: /proc/net/unix and ss.

load helpers

# python3's view of an address written as ss shows it: @name is b"\0name", anything else a path; and
# back (recvfrom gives a path as str, an abstract name as bytes).
PY_ADDRESS='address = lambda text: b"\0" + text[1:].encode() if text.startswith("@") else text.encode()
shown = lambda raw: "(unnamed)" if not raw else raw if isinstance(raw, str) else "@" + raw[1:].decode()'

# start_python_server LABEL ADDRESS [silent|witness]: a python3 datagram server at ADDRESS that prints
# what it receives and from which address (with the address's length, as the kernel gave it), and
# answers data.upper() to the sender, unless "silent". A "witness" first prints the sender's row in
# /proc/net/unix, and what came of a third process sending to the sender's address.
start_python_server() {
  start_server "$1" python3 -c "$PY_ADDRESS"'
import socket, subprocess, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(address(sys.argv[1]))
print("bound", flush=True)
while True:
    data, sender = server.recvfrom(65536)
    print("received %r from %s (%d bytes)" % (data.decode(), shown(sender), len(sender)), flush=True)
    if sys.argv[2] == "witness":
        row = [line.split() for line in open("/proc/net/unix", encoding="latin-1") if line.split()[-1:] == [shown(sender)]]
        print("its row in /proc/net/unix: type %s, state %s" % (row[0][4], row[0][5]), flush=True)
        third = subprocess.run([sys.executable, "-c", """
import socket, sys
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"not the answer", bytes.fromhex(sys.argv[1]))
    print("third party: sent")
except OSError as e:
    print("third party:", e.strerror)
""", (sender.encode() if isinstance(sender, str) else sender).hex()], capture_output=True, text=True)
        print(third.stdout.strip(), flush=True)
    if sys.argv[2] != "silent":
        server.sendto(data.upper(), sender)' "$2" "${3:-answer}"
  wait_for_output "$1" "^bound\$"
}

# start_holder LABEL ADDRESS: a python3 datagram socket bound to ADDRESS that reads nothing, so that
# ss's Recv-Q shows whatever reaches it.
start_holder() {
  start_server "$1" python3 -c "$PY_ADDRESS"'
import signal, socket, sys
holder = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
holder.bind(address(sys.argv[1]))
print("bound", flush=True)
signal.pause()' "$2"
  wait_for_output "$1" "^bound\$"
}

# python_client OWN SERVER MESSAGE...: a python3 datagram client bound to OWN that sends every
# MESSAGE to SERVER before it reads any answer, then prints each answer with its sender.
python_client() {
  python3 -c "$PY_ADDRESS"'
import socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(address(sys.argv[1]))
client.settimeout(60)
for message in sys.argv[3:]:
    client.sendto(message.encode(), address(sys.argv[2]))
for message in sys.argv[3:]:
    answer, sender = client.recvfrom(65536)
    print("%s from %s" % (answer.decode(), shown(sender)))' "$@"
}

# python_send OWN SERVER DATA: python3 sends DATA (a Python bytes literal) as one datagram from a
# socket bound to OWN ("-": not bound), and closes it at once.
python_send() {
  python3 -c "$PY_ADDRESS"'
import socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if sys.argv[1] != "-":
    client.bind(address(sys.argv[1]))
client.sendto(eval(sys.argv[3]), address(sys.argv[2]))' "$@"
}

# The address the Java client bound, from its first line of output.
client_address() {
  sed -n 's/^Client is bound to datagram socket: //p' <<<"$1"
}

# The Recv-Q that ss shows for a datagram socket at ADDRESS: the length of the datagram waiting first.
recv_q() {
  ss -x -a -n | awk -v address="$1" '$1 == "u_dgr" && $5 == address { print $3 }'
}

@test "Java client -> Java server: the client binds a path, as TLPI's does, and gets the answer in upper case" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound to datagram socket: @$name\$"

  run_script datagram-client "@$name"
  assert_success
  assert_stderr "" # no warning, on any JDK
  assert_line --index 0 --regexp "^Client is bound to datagram socket: /tmp/datagram-client-[0-9]+\.sock\$"
  assert_line --index 1 "Sent: Hello, datagram socket!"
  assert_line --index 2 "Reply: HELLO, DATAGRAM SOCKET!"
  [ "${#lines[@]}" -eq 3 ]
  client=$(client_address "$output")

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from $client: Hello, datagram socket!"
  # Nothing left behind: the client's socket file went with it, the server's name with the server.
  assert [ ! -e "$client" ]
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

@test "a relative --bind path is made absolute: the server could not tell which folder it is in" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound"
  cd "$BATS_TEST_TMPDIR"
  run_script datagram-client --bind client.sock "@$name" "relative"
  assert_success
  assert_line --index 0 "Client is bound to datagram socket: $BATS_TEST_TMPDIR/client.sock"
  assert_line --index 2 "Reply: RELATIVE"
}

@test "message boundaries are kept: several datagrams, each received and answered on its own" {
  name=$(unique dgram)
  client=$(socket_path py.sock)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"

  # python sends all three before it reads any answer: a stream could deliver them as one run of
  # bytes; here each is one receive, and gets one answer.
  run python_client "$client" "@$name" "one" "two words" "three"
  assert_success
  assert_output "ONE from @$name
TWO WORDS from @$name
THREE from @$name"
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from $client: one
Received datagram from $client: two words
Received datagram from $client: three"

  # The Java client: each MESSAGE one datagram, each answer one receive; a newline does not split one.
  run_script datagram-client --bind "$client-java" "@$name" "first" $'line one\nline two' "last"
  assert_success
  assert_output "Client is bound to datagram socket: $client-java
Sent: first
Reply: FIRST
Sent: line one\\nline two
Reply: LINE ONE\\nLINE TWO
Sent: last
Reply: LAST"
  wait_for_output server "^Received datagram from $client-java: last\$"
  run server_log server
  assert_line "Received datagram from $client-java: line one\\nline two"
}

@test "what others send, and their addresses, are printed escaped, and read back to the same bytes" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound"
  # UTF-8 with a control byte and U+202E (which turns text around), from a (relative, so not
  # answered) path with a newline in it; then bytes that are not UTF-8, from no address.
  cd "$BATS_TEST_TMPDIR"
  python_send $'a\nb\e[2J.sock' "@$name" 'b"\x1b[31mred\xe2\x80\xaeevil\\end"'
  python_send - "@$name" 'b"\x00\xff\n"'
  wait_server server
  run server_log server
  assert_line --index 1 "Received datagram from a\\nb\\x1b[2J.sock: \\x1b[31mred\\u{202e}evil\\\\end"
  assert_line --index 3 "Received datagram from (unnamed): \\x00\\xff\\n"
  [ "${#lines[@]}" -eq 5 ] # no line of the sender's making
  assert_reads_back "$BATS_TEST_TMPDIR/server.log" "Received datagram from a\\nb\\x1b[2J.sock: " 'b"\x1b[31mred\xe2\x80\xaeevil\\end"'
  assert_reads_back "$BATS_TEST_TMPDIR/server.log" "Received datagram from (unnamed): " 'b"\x00\xff\n"'
}

@test "python3 as the client, bound to a path: the answer comes to that path, from the server's exact name" {
  name=$(unique dgram)
  client=$(socket_path py.sock)
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound"

  run python_client "$client" "@$name" "Hello from python"
  assert_success
  # The answer comes from the server's name exactly: no padding on the way out.
  assert_output "HELLO FROM PYTHON from @$name"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from $client: Hello from python"
}

@test "an abstract sender is not answered: @victim\\0 could pass for @victim, a third party, and the server says so" {
  name=$(unique dgram)
  victim=$(unique victim)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  start_holder victim "@$victim" # reads nothing: ss's Recv-Q shows what reaches it

  # A sender bound to @victim\0 (ss shows @victim@), still there while the server looks ...
  start_server attacker python3 -c '
import signal, socket, sys
attacker = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
attacker.bind(b"\0" + sys.argv[1].encode() + b"\0")
attacker.sendto(b"to the victim", b"\0" + sys.argv[2].encode())
print("sent", flush=True)
signal.pause()' "$victim" "$name"
  wait_for_output attacker "^sent\$"
  [ -n "$(proc_net_unix_row "@$victim@")" ]
  wait_for_output server "^Not answered: cannot tell @$victim from @$victim\\\\x00\.\.\. \(junixsocket pads abstract names with NULs\)\$"
  stop_server attacker

  # ... and one that has closed by then: the kernel's table then shows @victim alone, so no lookup
  # there can tell them apart. Held still, the server reads the datagram after its sender is gone.
  kill -STOP "${SERVER_PID[server]}"
  python3 -c '
import socket, sys
attacker = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
attacker.bind(b"\0" + sys.argv[1].encode() + b"\0")
attacker.sendto(b"once more", b"\0" + sys.argv[2].encode())' "$victim" "$name"
  kill -CONT "${SERVER_PID[server]}"
  wait_for_output server "^Received datagram from @$victim: once more\$"
  # A path is answered: once that round trip is done, anything sent to the victim would be queued.
  own=$(socket_path after.sock)
  run python_client "$own" "@$name" "after"
  assert_output "AFTER from @$name"
  [ "$(recv_q "@$victim")" = "0" ]
  run server_log server
  assert_line "Received datagram from @$victim: to the victim"
  [ "$(grep -c "^Not answered: cannot tell @$victim from" <<<"$output")" -eq 2 ]
}

@test "a 107-byte abstract name has no room for NULs: the server knows it exactly and answers it" {
  name=$(unique dgram)
  long=$(unique l)
  long=$long$(printf 'n%.0s' $(seq $((107 - ${#long}))))
  start_script_server server datagram-server "@$name" --count 1
  wait_for_output server "^Server is bound"
  run python_client "@$long" "@$name" "full length"
  assert_success
  assert_output "FULL LENGTH from @$name"
  wait_server server
  run server_log server
  assert_line --index 1 "Received datagram from @$long: full length"
}

@test "a sender bound to a relative path is not answered: the path names a file in the sender's folder, not the server's" {
  name=$(unique dgram)
  mkdir "$BATS_TEST_TMPDIR/server-folder" "$BATS_TEST_TMPDIR/sender-folder"
  # Another socket at the same relative path from the server's folder: an answer would go to it.
  start_holder other "$BATS_TEST_TMPDIR/server-folder/relative.sock"
  cd "$BATS_TEST_TMPDIR/server-folder"
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  cd "$BATS_TEST_TMPDIR/sender-folder"
  python_send relative.sock "@$name" 'b"whose folder?"'
  wait_for_output server "^Not answered: its path is relative to its own working folder, which the server does not know\$"
  run server_log server
  assert_line --index 1 "Received datagram from relative.sock: whose folder?"
  run python_client "$(socket_path after.sock)" "@$name" "after"
  assert_output "AFTER from @$name"
  [ "$(recv_q "$BATS_TEST_TMPDIR/server-folder/relative.sock")" = "0" ]
}

@test "the Java client against a python3 echo-upper server: python sees the client's exact address, a path or a name" {
  name=$(unique py-server)
  own=$(unique java-client)
  start_python_server pyserver "@$name"

  run_script datagram-client --bind "@$own" "@$name" "hello" "from java"
  assert_success
  assert_output "Client is bound to datagram socket: @$own
Sent: hello
Reply: HELLO
Sent: from java
Reply: FROM JAVA"
  run server_log pyserver
  assert_line "received 'hello' from @$own ($((${#own} + 1)) bytes)" # the NUL, then the name: no padding
  assert_line "received 'from java' from @$own ($((${#own} + 1)) bytes)"

  run_script datagram-client "@$name" "from a path"
  assert_success
  client=$(client_address "$output")
  assert_line --index 2 "Reply: FROM A PATH"
  wait_for_output pyserver "^received 'from a path' from $client \(${#client} bytes\)\$"
}

@test "the client connect()s to the server: a third process's datagram is refused (EPERM) and not taken for the reply" {
  name=$(unique py-server)
  start_python_server pyserver "@$name" witness
  run_script datagram-client "@$name" "hello"
  assert_success
  assert_output --regexp "^Client is bound to datagram socket: .*
Sent: hello
Reply: HELLO\$"
  run server_log pyserver
  # State 03: connected; the kernel takes datagrams for it from the server's socket only.
  assert_line "its row in /proc/net/unix: type 0002, state 03"
  assert_line "third party: Operation not permitted"
}

@test "--autobind: the kernel chooses the client's name, five hex digits, as /proc/net/unix shows it" {
  name=$(unique py-server)
  start_python_server pyserver "@$name" witness
  run_script datagram-client --autobind "@$name" "who am i"
  assert_success
  assert_line --index 0 --regexp "^Client is bound to datagram socket: @[0-9a-f]{5}\$"
  assert_line --index 2 "Reply: WHO AM I"
  client=$(client_address "$output")
  run server_log pyserver
  assert_line "received 'who am i' from $client (6 bytes)" # the NUL, then five hex digits
  assert_line "its row in /proc/net/unix: type 0002, state 03"
  assert [ -z "$(proc_net_unix_row "$client")" ]
}

@test "an empty datagram: the Java server says it cannot tell the sender; an empty answer is printed as one" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  python_send - "@$name" 'b""'
  wait_for_output server "^Received an empty datagram \(junixsocket does not say from whom\): not answered\$"
  # ... and the server goes on.
  run_script datagram-client --bind "$(socket_path after.sock)" "@$name" "after"
  assert_success
  assert_line "Reply: AFTER"

  # python3 answers an empty datagram with an empty one; junixsocket reports that as a timeout, at once.
  pyname=$(unique py-server)
  start_python_server pyserver "@$pyname"
  run_script datagram-client "@$pyname" ""
  assert_success
  assert_line --index 1 "Sent: "
  assert_line --index 2 "Reply: "
  wait_for_output pyserver "^received '' from "
}

@test "a sender that did not bind is shown as (unnamed) and not answered" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound"
  python_send - "@$name" 'b"from nowhere"'
  run_script datagram-client --bind "$(socket_path named.sock)" "@$name" "named"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Received datagram from (unnamed): from nowhere"
  assert_line --index 2 "Not answered: the sender has no address (it did not bind)"
  assert_line --index 3 "Received datagram from $BATS_TEST_TMPDIR/named.sock: named"
}

@test "an oversized datagram is reported as cut, not answered, and the server goes on" {
  name=$(unique dgram)
  client=$(socket_path py.sock)
  start_script_server server datagram-server "@$name" --max-size 10
  wait_for_output server "^Server is bound"

  # Exactly --max-size bytes is whole.
  run_script datagram-client --bind "$client-java" "@$name" "0123456789"
  assert_success
  assert_line "Reply: 0123456789"
  # One byte more is not.
  python_send "$client" "@$name" 'b"0123456789x"'
  wait_for_output server "^Datagram from $client was longer than 10 bytes: cut, not answered\$"
  run server_log server
  refute_line --partial "0123456789x"
  refute_line --regexp "^Received datagram from $client:"
  run_script datagram-client --bind "$client-java" "@$name" "after"
  assert_success
  assert_line "Reply: AFTER"
}

@test "the default --max-size: 65536 bytes are whole, 70000 are reported as cut" {
  name=$(unique dgram)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound"
  whole=$(head -c 65536 /dev/zero | tr '\0' 'a')
  run_script datagram-client --bind "$(socket_path java.sock)" "@$name" "$whole"
  assert_success
  assert_line "Reply: ${whole^^}"
  python_send "$(socket_path py.sock)" "@$name" 'b"x" * 70000'
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Received datagram from $BATS_TEST_TMPDIR/java.sock: $whole"
  assert_line --index 2 "Datagram from $BATS_TEST_TMPDIR/py.sock was longer than 65536 bytes: cut, not answered"
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
  run_script datagram-client "@$name" "to the datagram one"
  assert_success
  assert_line "Reply: TO THE DATAGRAM ONE"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "a client that does not read its answers does not hold up the server" {
  name=$(unique dgram)
  greedy=$(socket_path greedy.sock)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  # More datagrams than the kernel queues for one socket (net.unix.max_dgram_qlen), none read.
  sends=$(($(cat /proc/sys/net/unix/max_dgram_qlen) + 5))
  start_server greedy python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
client.bind(sys.argv[1])
for i in range(int(sys.argv[3])):
    client.sendto(b"m%d" % i, b"\0" + sys.argv[2].encode())
print("sent", flush=True)
signal.pause()' "$greedy" "$name" "$sends"
  wait_for_output greedy "^sent\$"
  wait_for_output server "^Received datagram from $greedy: m$((sends - 1))\$"
  run server_log server
  assert_line "datagram-server: answer to $greedy dropped: its queue is full (it does not read)"

  run_script datagram-client "@$name" "next"
  assert_success
  assert_line "Reply: NEXT"
}

@test "a sender that is gone when the server answers: reported on stderr, and the server goes on" {
  name=$(unique dgram)
  client=$(socket_path gone.sock)
  start_script_server server datagram-server "@$name"
  wait_for_output server "^Server is bound"
  # Held still while the client sends and exits, the server reads the datagram after its sender is gone.
  kill -STOP "${SERVER_PID[server]}"
  python_send "$client" "@$name" 'b"bye"'
  kill -CONT "${SERVER_PID[server]}"
  wait_for_output server "^datagram-server: cannot answer $client: Connection refused\$"
  run server_log server
  assert_line --index 1 "Received datagram from $client: bye"

  run_script datagram-client "@$name" "next"
  assert_success
  assert_line "Reply: NEXT"
}

@test "a server that never answers: exit 1 with one line after --timeout seconds (5 unless told), and the client's file is gone" {
  name=$(unique py-server)
  start_python_server pyserver "@$name" silent

  start_script_server client datagram-client "@$name" "anyone there?" --timeout 1
  # Timed from the datagram's arrival: the JVM's start before it takes seconds on a busy machine.
  wait_for_output pyserver "^received 'anyone there\?' from "
  started=$SECONDS
  wait_server client
  assert_took_less 4 "$started" "giving up (--timeout 1, not the default 5)"
  assert_equal "$SERVER_STATUS" 1
  # Its output and stderr, in the order written: the client's address, what it sent, the one error line.
  run server_log client
  assert_equal "${#lines[@]}" 3
  assert_line --index 1 "Sent: anyone there?"
  assert_line --index 2 "datagram-client: no reply from @$name within 1 s"
  client=$(client_address "$output")
  run server_log pyserver
  assert_line --partial "received 'anyone there?' from $client "
  assert [ ! -e "$client" ]
  assert [ -z "$(proc_net_unix_row "$client")" ]
}

@test "SIGTERM and Ctrl-C: the server and the client remove their socket files, and only their own" {
  path=$(socket_path server.sock)
  for signal in TERM INT; do # a label (and log) per server: a reused log may show the last one's lines
    start_script_server "$signal" datagram-server "$path"
    wait_for_output "$signal" "^Server is bound"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[$signal]}"
    wait_server "$signal"
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
    assert [ -z "$(proc_net_unix_row "$path")" ]
  done

  # A file put in the socket file's place meanwhile is not the server's: it stays.
  start_script_server replaced datagram-server "$path"
  wait_for_output replaced "^Server is bound"
  mv "$path" "$path.moved"
  echo "not a socket" >"$path"
  kill -TERM "${SERVER_PID[replaced]}"
  wait_server replaced
  assert_equal "$(cat "$path")" "not a socket"
  assert [ -S "$path.moved" ]

  # A client waiting for an answer that does not come.
  name=$(unique py-server)
  start_python_server pyserver "@$name" silent
  start_script_server client datagram-client "@$name" "waiting"
  wait_for_output client "^Sent: waiting\$"
  own=$(client_address "$(server_log client)")
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
  run_script datagram-client "$path" "after the stale one"
  assert_success
  assert_line "Reply: AFTER THE STALE ONE"
  wait_server server
  assert [ ! -e "$path" ]
}

# shellcheck disable=SC2034 # the bad-input cases' arguments use them, through eval
setup_file() {
  export dir=$BATS_FILE_TMPDIR/d held free long long_name
  mkdir "$dir"
  echo "keep me" >"$dir/file"
  make_stale_socket "$dir/stale.sock"
  held=$(unique held)
  free=$(unique free)
  start_listener live "$dir/live.sock"
  # An abstract name is taken per socket type: only another datagram socket makes it "in use".
  start_holder held "@$held"
  long=$dir/$(printf 'x%.0s' $(seq $((108 - ${#dir} - 1)))) long_name=$(printf 'n%.0s' $(seq 108))
}

teardown_file() {
  stop_servers
}

# Bad input: one line on stderr with the right exit code, nothing left behind; unlike the other
# suites' bad_input (helpers.bash), a runtime failure may come after the client said where it is bound.
# The cases share a folder and listeners, made once for the file ($dir, @$held: see setup_file).
datagram_bad_input() {
  local script=$1 arguments=$2 status=$3 expected=$4 before own
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
  own=$(client_address "$output")
  if [ -n "$own" ]; then
    assert [ ! -e "$own" ]
  fi
}

while IFS='|' read -r script arguments status expected; do
  [ -n "$script" ] || continue
  bats_test_function --description "bad input: ${script} ${arguments//\$/\\\$} -> exit $status" \
    -- datagram_bad_input "$script" "$arguments" "$status" "$expected"
done <<'CASES'
datagram-server|"@$long_name"|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
datagram-server|"$long"|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
datagram-server|@|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
datagram-server|"@$free" --count -1|2|Invalid value for option '--count': must be 0 or more, not -1$
datagram-server|"@$free" --count many|2|Invalid value for option '--count': 'many' is not a whole number$
datagram-server|"@$free" --count 99999999999|2|Invalid value for option '--count': 99999999999 is too large \(at most 2147483647\)$
datagram-server|"@$free" --max-size 0|2|--max-size must be 1 to 1048576 bytes, not 0$
datagram-server|"@$free" --max-size NaN|2|Invalid value for option '--max-size': 'NaN' is not a whole number$
datagram-server|"@$free" --max-size 1048577|2|--max-size must be 1 to 1048576 bytes, not 1048577$
datagram-server|"@$free" extra|2|Unmatched argument at index 1: 'extra'$
datagram-server|"@$held"|1|@uds-kit-test-.*-held is already in use$
datagram-server|"$dir/live.sock"|1|.*/d/live.sock is a live socket: left untouched$
datagram-server|"$dir/file"|1|.*/d/file exists and is not a socket: left untouched$
datagram-server|"$dir/none/x.sock"|1|cannot bind .*/d/none/x.sock: No such file or directory$
datagram-client||2|Missing required parameter: 'ADDRESS'$
datagram-client|"@$long_name"|2|ADDRESS and --bind must be @NAME or a path, of 1 to 107 bytes$
datagram-client|"$long"|2|ADDRESS and --bind must be @NAME or a path, of 1 to 107 bytes$
datagram-client|--bind "@$long_name" "@$free"|2|ADDRESS and --bind must be @NAME or a path, of 1 to 107 bytes$
datagram-client|--bind "$dir/c.sock" --autobind "@$free"|2|--bind and --autobind exclude each other$
datagram-client|--timeout 0 "@$free"|2|--timeout must be 1 to 86400$
datagram-client|"@$free"|1|cannot reach @uds-kit-test-.*-free: Connection refused$
datagram-client|"$dir/none.sock"|1|cannot reach .*/d/none.sock: No such file or directory$
datagram-client|"$dir/stale.sock"|1|cannot reach .*/d/stale.sock: Connection refused$
datagram-client|"$dir/live.sock"|1|cannot reach .*/d/live.sock: Protocol wrong type for socket$
datagram-client|"$dir/file"|1|cannot reach .*/d/file: Connection refused$
datagram-client|--autobind "@$free"|1|cannot reach @uds-kit-test-.*-free: Connection refused$
datagram-client|--bind "@$held" "@$free"|1|@uds-kit-test-.*-held is already in use$
datagram-client|--bind "$dir/live.sock" "@$free"|1|.*/d/live.sock is a live socket: left untouched$
datagram-client|--bind "$dir/file" "@$free"|1|.*/d/file exists and is not a socket: left untouched$
CASES
