#!/usr/bin/env bats
# Faults and odd clients: the servers report what happened and keep serving; every message, of any
# size or content, arrives intact and is printed safely.

load helpers

# A python3 client that connects to PATH, sends TEXT, says "sent" and then holds the connection
# open until it is stopped: a slow client, or (stopped with SIGKILL) one that dies mid-message.
start_held_client() {
  start_server "$1" python3 -c '
import signal, socket, sys
client = socket.socket(socket.AF_UNIX)
client.connect(sys.argv[1])
client.sendall(sys.argv[2].encode())
print("sent", flush=True)
signal.pause()' "$2" "$3"
  wait_for_output "$1" "^sent\$"
}

@test "a slow client does not hold up the next one" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path" --count 2
  wait_for_output server "^Server listening on"
  start_held_client slow "$path" "slow, "
  run_script pathname-client --path "$path" "fast"
  assert_success
  # The second client is served while the first still holds its connection.
  wait_for_output server "^Received data from client: fast\$"
  stop_server slow
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 3 "Received data from client: fast"
  assert_line --index 4 "Received data from client: slow, "
}

@test "a client that dies mid-message, and one that sends nothing: reported, then the next is served" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path" --count 3
  wait_for_output server "^Server listening on"
  start_held_client dying "$path" "half a mess"
  stop_server dying KILL
  wait_for_output server "^Received data from client: half a mess\$"
  run python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$path"
  wait_for_output server "^Received data from client: \$"
  run_script pathname-client --path "$path" "next"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received data from client: next"
}

@test "a server that closes before reading: the client says so, exit 1" {
  path=$(socket_path s.sock)
  start_server rude python3 -c '
import socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen()
print("listening", flush=True)
server.accept()[0].close()' "$path"
  wait_for_output rude "^listening\$"
  head -c 10000000 /dev/zero >"$BATS_TEST_TMPDIR/big" # more than a socket buffer holds
  run --separate-stderr bash -c '"$1" "$2" --path "$3" - <"$4"' _ "$KIT/jbang" "$KIT/scripts/pathname-client.java" "$path" "$BATS_TEST_TMPDIR/big"
  assert_failure 1
  assert_stderr --regexp "^pathname-client: the other end closed the connection before it read everything \((Broken pipe|Connection reset by peer)\)\$"
}

# send_and_check SERVER_SCRIPT FILE: sends FILE through the client on stdin to a new server, and
# checks that what the server printed, unescaped, has FILE's SHA-256 and length.
send_and_check() {
  local file=$1 path
  path=$(socket_path "s$RANDOM.sock")
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run bash -c '"$1" "$2" --path "$3" - <"$4"' _ "$KIT/jbang" "$KIT/scripts/pathname-client.java" "$path" "$file"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run python3 "$FIXTURES/unescape.py" "$BATS_TEST_TMPDIR/server.log" "Received data from client: "
  assert_output "$(sha256sum <"$file" | cut -d ' ' -f 1) $(stat -c %s "$file")"
  # Printed safely: nothing but printable characters on the line.
  run grep -c -a -P '^Received data from client: [\x20-\x7e\x{80}-\x{10ffff}]*$' "$BATS_TEST_TMPDIR/server.log"
  assert_output 1
}

@test "messages of 0, 1 and exactly 1024 bytes arrive intact" {
  for size in 0 1 1024; do
    head -c "$size" /dev/urandom >"$BATS_TEST_TMPDIR/message"
    send_and_check "$BATS_TEST_TMPDIR/message"
  done
}

@test "random binary arrives intact and is printed escaped" {
  head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/message"
  send_and_check "$BATS_TEST_TMPDIR/message"
}

@test "a 100 MB message arrives intact" {
  head -c 100000000 /dev/zero | tr '\0' 'x' >"$BATS_TEST_TMPDIR/message"
  send_and_check "$BATS_TEST_TMPDIR/message"
}
