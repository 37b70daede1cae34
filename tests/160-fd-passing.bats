#!/usr/bin/env bats
# Beyond the post: an open file passed over a unix socket (SCM_RIGHTS). The receiver reads a file
# it cannot open by name: one in a folder it may not enter, or one that has no name any more.

load helpers

setup() {
  nobody_home=$(mktemp -d /tmp/uds-kit-nobody.XXXXXX)
  CLEANUP+=("$nobody_home")
  chmod 777 "$nobody_home"
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$nobody_home")
}

@test "a receiver run as nobody reads, through the passed descriptor, a file in a folder it may not enter" {
  folder=$(mktemp -d /tmp/uds-kit-secret.XXXXXX) # mode 0700, root's
  CLEANUP+=("$folder")
  file=$folder/note.txt
  echo "top secret" >"$file"
  run "${as_nobody[@]}" cat "$file"
  assert_failure
  assert_output --partial "Permission denied"

  name=$(unique fd)
  readable_classpath fd-passing >"$BATS_TEST_TMPDIR/classpath" # not in $(...): its CLEANUP+= must reach teardown
  start_server receiver "${as_nobody[@]}" "${JAVA_FOR_NOBODY[@]}" \
    -cp "$(cat "$BATS_TEST_TMPDIR/classpath")" FdPassing receive "@$name"
  wait_for_output receiver "^Receiver listening on @$name\$"

  run_script fd-passing send "@$name" "$file"
  assert_success
  assert_stderr ""
  assert_line --index 0 --regexp "^Opened $file as file descriptor ([0-9]+)\$"
  fd=$(sed -n 's/.* as file descriptor \([0-9]*\)$/\1/p' <<<"${lines[0]}")
  assert_line --index 1 "Connected to @$name"
  assert_line --index 2 "Sent the name $file with file descriptor $fd attached"

  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_line --index 0 "Receiver listening on @$name"
  assert_line --index 1 "Accepted connection from sender"
  assert_line --index 2 "Received message: $file"
  assert_line --index 3 "Reading $file by name (access(2)): Permission denied"
  assert_line --index 4 --regexp "^Received file descriptor ([0-9]+): /proc/self/fd/\1 -> $file\$"
  assert_line --index 5 --regexp '^Read through file descriptor [0-9]+: top secret\\n$'
  [ "${#lines[@]}" -eq 6 ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "--unlink: the file loses its name before it is sent, and is still read; the receiver's socket file goes" {
  file=$BATS_TEST_TMPDIR/note.txt
  printf 'line one\nline two\n' >"$file"
  path=$(socket_path r.sock)
  start_script_server receiver fd-passing receive "$path"
  wait_for_output receiver "^Receiver listening on $path\$"

  run_script fd-passing send --unlink "$path" "$file"
  assert_success
  assert_line "Removed $file: the open file lives on, without a name"
  assert [ ! -e "$file" ]

  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_line "Reading $file by name (access(2)): No such file or directory"
  assert_line --regexp "^Received file descriptor [0-9]+: /proc/self/fd/[0-9]+ -> $file \(deleted\)\$"
  assert_line --regexp '^Read through file descriptor [0-9]+: line one\\nline two\\n$'
  assert [ ! -e "$path" ]
}

@test "python3 receives the descriptor the Java sender passes (socket.recv_fds)" {
  name=$(unique fd)
  echo "for python" >"$BATS_TEST_TMPDIR/note.txt"
  start_server receiver python3 -c '
import os, socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind("\0" + sys.argv[1])
server.listen()
print("listening", flush=True)
connection, _ = server.accept()
message, fds, _, _ = socket.recv_fds(connection, 1024, 4)
print("message:", message.decode())
print("descriptors:", len(fds))
print("content:", os.read(fds[0], 1024).decode(), end="")' "$name"
  wait_for_output receiver "^listening\$"

  run_script fd-passing send "@$name" "$BATS_TEST_TMPDIR/note.txt"
  assert_success

  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_output "listening
message: $BATS_TEST_TMPDIR/note.txt
descriptors: 1
content: for python"
}

@test "the Java receiver reads the descriptor python3 passes (socket.send_fds)" {
  name=$(unique fd)
  echo "from python" >"$BATS_TEST_TMPDIR/note.txt"
  start_script_server receiver fd-passing receive "@$name"
  wait_for_output receiver "^Receiver listening on"

  run python3 -c '
import os, socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect("\0" + sys.argv[1])
socket.send_fds(client, [sys.argv[2].encode()], [os.open(sys.argv[2], os.O_RDONLY)])' "$name" "$BATS_TEST_TMPDIR/note.txt"
  assert_success

  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_line "Received message: $BATS_TEST_TMPDIR/note.txt"
  assert_line "Reading $BATS_TEST_TMPDIR/note.txt by name (access(2)): allowed: this process could open it without the descriptor"
  assert_line --regexp '^Read through file descriptor [0-9]+: from python\\n$'
}

@test "a sender that passes no descriptor: the receiver says so, exit 1" {
  name=$(unique fd)
  start_script_server receiver fd-passing receive "@$name"
  wait_for_output receiver "^Receiver listening on"
  run python3 -c 'import socket, sys; c = socket.socket(socket.AF_UNIX); c.connect("\0" + sys.argv[1]); c.sendall(b"just bytes")' "$name"
  assert_success
  wait_server receiver
  [ "$SERVER_STATUS" -eq 1 ]
  run server_log receiver
  assert_output "Receiver listening on @$name
Accepted connection from sender
Received message: just bytes
fd-passing: the sender passed no file descriptor (SCM_RIGHTS) with its message"
}

@test "a sender that passes a pipe and other descriptors in later writes: a pipe is not read, later writes are not read at all" {
  name=$(unique fd)
  start_script_server receiver fd-passing receive "@$name"
  wait_for_output receiver "^Receiver listening on"
  # The pipe's write end stays open in the sender: reading it would wait for ever. The second write
  # brings 200 more descriptors, which the receiver must not take (one recvmsg, then close).
  run python3 -c '
import os, socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect("\0" + sys.argv[1])
read_end, write_end = os.pipe()
socket.send_fds(client, [b"\x1b]0;pwned\x07a pipe"], [read_end])
try: # the receiver may have closed already: a broken pipe; or it closes with this write unread: a reset
    socket.send_fds(client, [b"more"], [os.open("/dev/null", os.O_RDONLY) for _ in range(200)])
    client.recv(1)
except (BrokenPipeError, ConnectionResetError):
    pass
print("closed by the receiver")' "$name"
  assert_success
  assert_output "closed by the receiver"
  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_output --regexp "^Receiver listening on @$name
Accepted connection from sender
Received message: \\\\x1b\]0;pwned\\\\x07a pipe
Reading \\\\x1b\]0;pwned\\\\x07a pipe by name \(access\(2\)\): No such file or directory
Received file descriptor ([0-9]+): /proc/self/fd/\1 -> pipe:\[[0-9]+\]
Not a regular file: not read\$"
}

@test "a file of more than 64 KiB: the first 64 KiB is shown; a socket file put in the receiver's place stays" {
  head -c 100000 /dev/zero | tr '\0' y >"$BATS_TEST_TMPDIR/big.txt"
  path=$(socket_path r.sock)
  start_script_server receiver fd-passing receive "$path"
  wait_for_output receiver "^Receiver listening on $path\$"
  run_script fd-passing send "$path" "$BATS_TEST_TMPDIR/big.txt"
  assert_success
  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  last=$(tail -n 1 "$BATS_TEST_TMPDIR/receiver.log")
  pattern='^Read through file descriptor [0-9]+: (y+)\.\.\. \(the first 65536 bytes\)$'
  [[ $last =~ $pattern ]]
  assert_equal "${#BASH_REMATCH[1]}" 65536
  assert [ ! -e "$path" ]

  # Someone replaces the receiver's socket file while it waits: the receiver leaves that file alone.
  start_script_server receiver fd-passing receive "$path"
  wait_for_output receiver "^Receiver listening on $path\$"
  rm "$path"
  make_stale_socket "$path"
  inode=$(stat -c %i "$path")
  stop_server receiver
  assert_equal "$(stat -c %i "$path")" "$inode"
}

@test "bad input: one line on stderr, exit 2 for usage and 1 for failures, and the file is kept" {
  file=$BATS_TEST_TMPDIR/keep.txt
  echo "keep me" >"$file"
  name=$(unique fd)
  long_name=$(printf 'n%.0s' $(seq 108))

  run_script fd-passing
  assert_failure 2
  assert_stderr "fd-passing: Missing a subcommand: send or receive"

  run_script fd-passing send "@$name"
  assert_failure 2
  assert_stderr "fd-passing: Missing required parameter: 'FILE'"

  run_script fd-passing send "@$long_name" "$file"
  assert_failure 2
  assert_stderr "fd-passing: ADDRESS must be @NAME or a path, in 1 to 107 bytes"
  run_script fd-passing receive "@"
  assert_failure 2
  assert_stderr "fd-passing: ADDRESS must be @NAME or a path, in 1 to 107 bytes"

  run_script fd-passing send "@$name" "$BATS_TEST_TMPDIR/missing.txt"
  assert_failure 1
  assert_stderr "fd-passing: cannot open $BATS_TEST_TMPDIR/missing.txt (No such file or directory)"

  run_script fd-passing send --unlink "@$name" "$file"
  assert_failure 1
  assert_stderr "fd-passing: cannot connect to @$name: Connection refused"
  assert_output --regexp "^Opened $file as file descriptor [0-9]+\$" # no "Removed": --unlink waits for a receiver
  assert [ "$(cat "$file")" = "keep me" ]

  start_listener held "@$name"
  run_script fd-passing receive "@$name"
  assert_failure 1
  assert_stderr "fd-passing: @$name is already in use"
  assert_output ""

  start_listener live "$BATS_TEST_TMPDIR/live.sock"
  run_script fd-passing receive "$BATS_TEST_TMPDIR/live.sock"
  assert_failure 1
  assert_stderr "fd-passing: $BATS_TEST_TMPDIR/live.sock is a live socket: left untouched"
  assert [ -S "$BATS_TEST_TMPDIR/live.sock" ]
}
