#!/usr/bin/env bats
# SOCK_SEQPACKET: connections like a stream, records like datagrams, kept whole and in order. The
# kit's server and client, python3's socket module as the peer both ways, and the kernel's view.

load helpers

# python_seqpacket_client ADDRESS RECORD...: python3 sends each RECORD as one record, then closes.
# RECORD "EMPTY" is sent as an empty record. A server that closed early is not an error here.
python_seqpacket_client() {
  python3 -c '
import socket, sys
address = sys.argv[1]
client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
client.connect("\0" + address[1:] if address.startswith("@") else address)
try:
    for record in sys.argv[2:]:
        client.send(b"" if record == "EMPTY" else record.encode())
except BrokenPipeError:
    pass
client.close()' "$@"
}

# start_python_seqpacket_server LABEL ADDRESS: python3 listens on ADDRESS, accepts one client and
# prints each record it receives (its length, and the record), reading up to 1 MiB at a time.
start_python_seqpacket_server() {
  start_server "$1" python3 -c '
import socket, sys
address = sys.argv[1]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
listener.bind("\0" + address[1:] if address.startswith("@") else address)
listener.listen()
print("listening", flush=True)
client, _ = listener.accept()
while True:
    record = client.recv(1 << 20)
    if not record:
        break
    print(f"python received {len(record)} bytes: {record.decode()[:40]}", flush=True)
print("python: the client closed", flush=True)' "$2"
  wait_for_output "$1" "^listening\$"
}

@test "records arrive whole and in order, one line each, however long" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on @$name \(SOCK_SEQPACKET\)"
  long=$(printf 'L%.0s' $(seq 1000))

  run_script seqpacket-client "@$name" a "bb bb" "$long" "ccc ccc ccc"
  assert_success
  assert_stderr "" # no warning, on any JDK
  assert_output "Connected to server at @$name
Sent record 1: a
Sent record 2: bb bb
Sent record 3: $long
Sent record 4: ccc ccc ccc"

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  # Four writes, four reads: on a stream they could arrive as one "abb bbLLL...ccc ccc ccc".
  assert_output "Server listening on @$name (SOCK_SEQPACKET); each record is read into a buffer of 1024 bytes
Accepted connection from client
Record 1: a
Record 2: bb bb
Record 3: $long
Record 4: ccc ccc ccc
Client closed the connection after 4 records"
}

@test "the contrast: the same writes, already queued, merge on a stream and stay apart on SOCK_SEQPACKET" {
  run python3 -c '
import socket
for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET):
    writer, reader = socket.socketpair(socket.AF_UNIX, kind)
    for record in (b"a", b"bb bb", b"ccc ccc ccc"):
        writer.send(record)
    writer.close()
    print(kind.name, [reader.recv(1024) for _ in range(3)])'
  assert_success
  assert_output "SOCK_STREAM [b'abb bbccc ccc ccc', b'', b'']
SOCK_SEQPACKET [b'a', b'bb bb', b'ccc ccc ccc']"
}

@test "the client's default records" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on"
  run_script seqpacket-client "@$name"
  assert_success
  wait_server server
  run server_log server
  assert_line --index 2 "Record 1: first record"
  assert_line --index 3 "Record 2: second"
  assert_line --index 4 "Record 3: the third and last record"
  assert_line --index 5 "Client closed the connection after 3 records"
}

@test "a record longer than the server's buffer is cut, the rest of it is gone, and the server says so" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name" --buffer 8
  wait_for_output server "^Server listening on @$name \(SOCK_SEQPACKET\); each record is read into a buffer of 8 bytes\$"

  run_script seqpacket-client "@$name" short exactly8 "this one is longer than eight" after
  assert_success
  wait_server server
  run server_log server
  # Record 4 is the next record, not the rest of record 3.
  assert_output "Server listening on @$name (SOCK_SEQPACKET); each record is read into a buffer of 8 bytes
Accepted connection from client
Record 1: short
Record 2: exactly8
Record 3: this one
Record 3 was longer than 8 bytes: the rest of it is gone
Record 4: after
Client closed the connection after 4 records"
}

@test "the default buffer: 1024 bytes fit, 1025 do not" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on"
  fits=$(printf 'f%.0s' $(seq 1024))
  run_script seqpacket-client "@$name" "$fits" "${fits}X"
  assert_success
  wait_server server
  run server_log server
  assert_line --index 2 "Record 1: $fits"
  assert_line --index 3 "Record 2: $fits"
  assert_line --index 4 "Record 2 was longer than 1024 bytes: the rest of it is gone"
  refute_output --partial "Record 1 was longer"
}

@test "python3 as the client: records whole and in order; an empty record reads as the end" {
  path=$(socket_path seq.sock)
  start_script_server server seqpacket-server "$path" --count 2 --buffer 16
  wait_for_output server "^Server listening on $path \(SOCK_SEQPACKET\)"

  run python_seqpacket_client "$path" one "two two" "longer than sixteen bytes" three
  assert_success
  wait_for_output server "^Client closed the connection after 4 records\$"
  # recv() returns 0 bytes for an empty record as for the end: the server stops reading there.
  run python_seqpacket_client "$path" before EMPTY after
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server listening on $path (SOCK_SEQPACKET); each record is read into a buffer of 16 bytes
Accepted connection from client
Record 1: one
Record 2: two two
Record 3: longer than sixt
Record 3 was longer than 16 bytes: the rest of it is gone
Record 4: three
Client closed the connection after 4 records
Accepted connection from client
Record 1: before
Client closed the connection after 1 record"
  assert [ ! -e "$path" ]
}

@test "records from others are printed escaped, one line each, and read back to the same bytes" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on"
  python3 -c '
import socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
client.connect(b"\0" + sys.argv[1].encode())
client.send(b"line one\nline two\x1b[2J\xe2\x80\xae")
client.send(b"\xff\x00\\")
client.close()' "$name"
  wait_server server
  run server_log server
  assert_line --index 2 "Record 1: line one\\nline two\\x1b[2J\\u{202e}"
  assert_line --index 3 "Record 2: \\xff\\x00\\\\"
  [ "${#lines[@]}" -eq 5 ] # no line of the client's making
  assert_reads_back "$BATS_TEST_TMPDIR/server.log" "Record 1: " 'b"line one\nline two\x1b[2J\xe2\x80\xae"'
  assert_reads_back "$BATS_TEST_TMPDIR/server.log" "Record 2: " 'b"\xff\x00\\"'
}

@test "python3 as the server: each record in one recv(), a 100,000-byte one from stdin too" {
  name=$(unique seq)
  start_python_seqpacket_server python "@$name"
  record=$(printf 'R%.0s' $(seq 100000))

  run bash -c 'printf %s "$1" | "$2" "$3" "$4" one - "two two"' _ "$record" "$KIT/jbang" "$KIT/scripts/seqpacket-client.java" "@$name"
  assert_success
  assert_line --index 0 "Connected to server at @$name"
  assert_line --index 3 "Sent record 3: two two"

  wait_server python
  run server_log python
  assert_output "listening
python received 3 bytes: one
python received 100000 bytes: $(printf 'R%.0s' $(seq 40))
python received 7 bytes: two two
python: the client closed"
}

@test "the kernel's view: /proc/net/unix type 0005, ss u_seq LISTEN, and ESTAB while a client is connected" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on"
  pid=${SERVER_PID[server]}

  # Flags 00010000: listening; type 0005: SOCK_SEQPACKET; state 01: unconnected.
  run proc_net_unix_row "@$name"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0005 01 +[0-9]+ @$name\$"
  inode=$(ss_inode "@$name")
  run ss -x -a -p
  assert_line --regexp "^u_seq +LISTEN +0 +50 +@$name +$inode +\* +0 +users:\(\(\"java\",pid=$pid,fd=[0-9]+\)\) *\$"
  run ss -l -x -A unix_seqpacket
  assert_line --regexp "^LISTEN +0 +50 +@$name +$inode "

  # A python3 client that sends one record and stays connected.
  start_server holder python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
client.connect("\0" + sys.argv[1])
client.send(b"still here")
signal.pause()' "$name"
  wait_for_output server "^Record 1: still here\$"
  run proc_net_unix_row "@$name"
  assert_line --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0005 03 +[0-9]+ @$name\$" # the accepted socket
  # ss: Netid State Recv-Q Send-Q Local-Address Inode Peer-Address Peer-Inode Process. The server's
  # end of the connection has the listener's address; the client's end has none; each is the other's peer.
  ss -x -a -p >"$BATS_TEST_TMPDIR/ss.txt"
  run awk -v address="@$name" '$1 == "u_seq" && $2 == "ESTAB" && $5 == address' "$BATS_TEST_TMPDIR/ss.txt"
  assert_output --regexp "^u_seq +ESTAB +0 +0 +@$name +[0-9]+ +\* +[0-9]+ +users:\(\(\"java\",pid=$pid,fd=[0-9]+\)\) *\$"
  read -r accepted client <<<"$(awk '{ print $6, $8 }' <<<"$output")"
  run awk -v inode="$client" '$6 == inode' "$BATS_TEST_TMPDIR/ss.txt"
  assert_output --regexp "^u_seq +ESTAB +0 +0 +\* +$client +\* +$accepted +users:\(\(\"python3\",pid=${SERVER_PID[holder]},fd=[0-9]+\)\) *\$"

  stop_server holder
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Client closed the connection after 1 record"
}

@test "nothing left behind: the socket file and the name go when the server ends, also on SIGTERM" {
  path=$(socket_path seq.sock)
  name=$(unique seq)
  # A label (and log) per server: a log that is reused may still show the last server's lines.
  for address in "$path" "@$name"; do
    once=once-${address//[^a-z]/} stopped=stopped-${address//[^a-z]/}
    start_script_server "$once" seqpacket-server "$address" --count 1
    wait_for_output "$once" "^Server listening on"
    [ -n "$(proc_net_unix_row "$address")" ]
    run_script seqpacket-client "$address"
    assert_success
    wait_server "$once"
    [ "$SERVER_STATUS" -eq 0 ]
    assert [ -z "$(proc_net_unix_row "$address")" ]
    assert [ ! -e "$path" ]

    start_script_server "$stopped" seqpacket-server "$address" --count 0
    wait_for_output "$stopped" "^Server listening on"
    [ -n "$(proc_net_unix_row "$address")" ]
    kill -TERM "${SERVER_PID[$stopped]}"
    wait_server "$stopped"
    [ "$SERVER_STATUS" -eq 143 ]
    assert [ -z "$(proc_net_unix_row "$address")" ]
    assert [ ! -e "$path" ]
  done
  # Nothing under the name in the file system either.
  run --separate-stderr find "$BATS_TEST_TMPDIR" /tmp -maxdepth 3 -name "*$name*" # stderr: files others remove meanwhile
  assert_output ""
}

@test "--count 2 serves two clients one after the other; --count 0 serves until stopped" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name" --count 2
  wait_for_output server "^Server listening on"
  run_script seqpacket-client "@$name" one
  assert_success
  run_script seqpacket-client "@$name" two
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 2 "Record 1: one"
  assert_line --index 5 "Record 1: two"

  start_script_server forever seqpacket-server "@$name" --count 0
  wait_for_output forever "^Server listening on"
  for record in 1 2 3; do
    run_script seqpacket-client "@$name" "$record"
    assert_success
  done
  wait_for_output forever "^Record 1: 3\$"
  [ -n "$(proc_net_unix_row "@$name")" ]
}

@test "a stale socket file is removed (and said so); a live server's address is refused, and that server gets no phantom client" {
  path=$(socket_path seq.sock)
  make_stale_socket "$path"
  start_script_server live seqpacket-server "$path"
  wait_for_output live "^Server listening on"
  run server_log live
  assert_line --index 0 "Removed stale socket file $path (its server is gone)"
  inode=$(ss_inode "$path")

  name=$(unique seq)
  start_script_server named seqpacket-server "@$name"
  wait_for_output named "^Server listening on"

  run_script seqpacket-server "$path"
  assert_failure 1
  assert_output ""
  assert_stderr "seqpacket-server: $path is a live socket: left untouched"
  run_script seqpacket-server "@$name"
  assert_failure 1
  assert_stderr "seqpacket-server: @$name is already in use"

  # The same listener at the path, and the first client each server accepts is the real one.
  [ "$(ss_inode "$path")" = "$inode" ]
  for address in "$path" "@$name"; do
    run_script seqpacket-client "$address" real
    assert_success
  done
  wait_server live
  wait_server named
  for label in live named; do
    run server_log "$label"
    assert_line --regexp "^Server listening on"
    assert_line "Record 1: real"
    [ "$(grep -c '^Accepted connection' <<<"$output")" -eq 1 ]
  done
}

@test "an abstract name is taken per socket type: a stream listener on @name does not stop a seqpacket server" {
  name=$(unique seq)
  start_listener stream "@$name"
  start_script_server server seqpacket-server "@$name"
  wait_for_output server "^Server listening on @$name "

  run ss -x -a -p
  assert_line --regexp "^u_str +LISTEN +0 +[0-9]+ +@$name +[0-9]+ +\* +0 +users:\(\(\"python3\",pid=${SERVER_PID[stream]},"
  assert_line --regexp "^u_seq +LISTEN +0 +50 +@$name +[0-9]+ +\* +0 +users:\(\(\"java\",pid=${SERVER_PID[server]},"
  run_script seqpacket-client "@$name" "to the seqpacket one"
  assert_success
  wait_server server
  run server_log server
  assert_line "Record 1: to the seqpacket one"
}

@test "a record too big for the socket's send buffer is refused whole (Message too long)" {
  name=$(unique seq)
  start_script_server server seqpacket-server "@$name" --buffer 1048576
  wait_for_output server "^Server listening on"
  run --separate-stderr bash -c 'head -c 1048576 /dev/zero | tr "\0" x | "$1" "$2" "@$3" first - never' _ "$KIT/jbang" "$KIT/scripts/seqpacket-client.java" "$name"
  assert_failure 1
  assert_output "Connected to server at @$name
Sent record 1: first"
  assert_stderr "seqpacket-client: cannot send record 2 (1048576 bytes): Message too long"
  wait_server server
  run server_log server
  assert_line --index 2 "Record 1: first"
  assert_line --index 3 "Client closed the connection after 1 record"
}

# Bad input, one case a line: one clear line on stderr, the right exit code, nothing on stdout, and
# the folder $dir, the listeners at $dir/live.sock (stream) and $dir/seq.sock (SOCK_SEQPACKET), and
# the names @$held (stream) and @$heldseq (SOCK_SEQPACKET) untouched.
snapshot() {
  find "$dir" -printf '%p %y %i %s\n' | sort
  cat "$dir/file"
  proc_net_unix_row "$dir/live.sock"
  proc_net_unix_row "$dir/seq.sock"
  proc_net_unix_row "@$held"
  proc_net_unix_row "@$heldseq"
}

# The cases share the folder and listeners, made once for the file: each checks they are as they were.
# shellcheck disable=SC2034 # free, long and long_name are used by the cases, through eval
setup_file() {
  export dir=$BATS_FILE_TMPDIR/d held heldseq free long long_name
  mkdir "$dir"
  echo "keep me" >"$dir/file"
  make_stale_socket "$dir/stale.sock"
  held=$(unique held)
  heldseq=$(unique heldseq)
  free=$(unique free)
  start_listener live "$dir/live.sock"
  start_listener held "@$held"
  start_listener seq "$dir/seq.sock" SOCK_SEQPACKET
  start_listener heldseq "@$heldseq" SOCK_SEQPACKET
  long=$dir/$(printf 'x%.0s' $(seq $((108 - ${#dir} - 1))))
  long_name=$(printf 'n%.0s' $(seq 108))
}

teardown_file() {
  stop_servers
}

setup() {
  [[ $BATS_TEST_DESCRIPTION == *" -> exit "* ]] || return 0
  before=$(snapshot)
}

register_bad_input_cases <<'CASES'
seqpacket-server|''|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
seqpacket-server|"$long"|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
seqpacket-server|"@$long_name"|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
seqpacket-server|"$dir/file"|1|.*/d/file exists and is not a socket: left untouched$
seqpacket-server|"$dir/live.sock"|1|.*/d/live.sock is a live socket: left untouched$
seqpacket-server|"$dir/file/x.sock"|1|.*/d/file/x.sock: Not a directory$
seqpacket-server|"$dir/seq.sock"|1|.*/d/seq.sock is a live socket: left untouched$
seqpacket-server|"@$heldseq"|1|@uds-kit-test-.*-heldseq is already in use$
seqpacket-server|"@$free" --count -1|2|Invalid value for option '--count': must be 0 or more, not -1$
seqpacket-server|"@$free" --count 99999999999|2|Invalid value for option '--count': 99999999999 is too large \(at most 2147483647\)$
seqpacket-server|"@$free" --buffer 0|2|--buffer must be 1 to 1048576 bytes, not 0$
seqpacket-server|"@$free" --buffer 1048577|2|--buffer must be 1 to 1048576 bytes, not 1048577$
seqpacket-server|"@$free" --buffer lots|2|Invalid value for option '--buffer': 'lots' is not a whole number$
seqpacket-server|"@$free" --buffer NaN|2|Invalid value for option '--buffer': 'NaN' is not a whole number$
seqpacket-server|"@$free" extra|2|Unmatched argument at index 1: 'extra'$
seqpacket-client||2|Missing required parameter: 'ADDRESS'$
seqpacket-client|"$long"|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
seqpacket-client|@|2|ADDRESS must be @NAME or a path, of 1 to 107 bytes$
seqpacket-client|"@$free" one ''|2|a RECORD must not be empty: the server would read it as the end of the connection$
seqpacket-client|"@$free"|1|cannot connect to @uds-kit-test-.*-free: Connection refused$
seqpacket-client|"$dir/none.sock"|1|cannot connect to .*/d/none.sock: No such file or directory$
seqpacket-client|"$dir/stale.sock"|1|cannot connect to .*/d/stale.sock: Connection refused$
seqpacket-client|"$dir/file"|1|cannot connect to .*/d/file: Connection refused$
seqpacket-client|"$dir/live.sock"|1|cannot connect to .*/d/live.sock: Protocol wrong type for socket$
seqpacket-client|"@$held"|1|cannot connect to @uds-kit-test-.*-held: Connection refused$
CASES
