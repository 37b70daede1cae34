#!/usr/bin/env bats
# The post's first demo in Java: a stream server on a pathname socket, and its client.

load helpers

@test "the pathname server prints what the client sends, then removes its socket file" {
  assert_post_pathname_demo pathname-server
}

@test "ss lists the listener, and the server's /proc/PID/fd links to the inode ss shows" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"

  assert_witnessed_listener "$path" "${SERVER_PID[server]}"
}

@test "a missing parent folder is created with mode 0700" {
  path=$BATS_TEST_TMPDIR/new/folder/s.sock
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run stat -c %a "$BATS_TEST_TMPDIR/new" "$BATS_TEST_TMPDIR/new/folder"
  assert_output "700
700"
}

@test "the message is read until the client closes, not cut at 1024 bytes, and comes from stdin with -" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  message=$(head -c 5000 /dev/zero | tr '\0' 'x')

  run bash -c 'printf %s "$1" | "$2" "$3" --path "$4" -' _ "$message" "$KIT/jbang" "$KIT/scripts/pathname-client.java" "$path"
  assert_success

  wait_server server
  run server_log server
  assert_line "Received data from client: $message"
}

@test "bytes that are not printable UTF-8 are shown escaped" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"

  run bash -c 'printf "caf\xc3\xa9 \x1b[31mred\n\xff\\\\" | "$1" "$2" --path "$3" -' _ "$KIT/jbang" "$KIT/scripts/pathname-client.java" "$path"
  assert_success

  wait_server server
  run server_log server
  assert_line 'Received data from client: café \x1b[31mred\n\xff\\'
}

@test "--count 2 serves two clients; --count 0 serves until stopped" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path" --count 2
  wait_for_output server "^Server listening on"
  run_script pathname-client --path "$path" one
  run_script pathname-client --path "$path" two
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 2 "Received data from client: one"
  assert_line --index 4 "Received data from client: two"

  start_script_server forever pathname-server --path "$path" --count 0
  wait_for_output forever "^Server listening on"
  for message in 1 2 3; do
    run_script pathname-client --path "$path" "$message"
    assert_success
  done
  wait_for_output forever "^Received data from client: 3\$"
  assert [ -S "$path" ]
}

@test "SIGTERM and Ctrl-C (SIGINT) stop the server and remove its socket file" {
  path=$(socket_path s.sock)
  for signal in TERM INT; do
    start_script_server server pathname-server --path "$path" --count 0
    wait_for_output server "^Server listening on"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[server]}"
    wait_server server
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
  done
}

@test "a stale socket file left by a killed server is removed (and said so), then served" {
  path=$(socket_path s.sock)
  start_script_server dead pathname-server --path "$path"
  wait_for_output dead "^Server listening on"
  stop_server dead KILL
  assert [ -S "$path" ]
  assert [ -z "$(proc_net_unix_row "$path")" ]

  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run server_log server
  assert_line --index 0 "Removed stale socket file $path (its server is gone)"
  run_script pathname-client --path "$path"
  assert_success
}

@test "a live server's socket is refused and left untouched, and that server serves on" {
  path=$(socket_path s.sock)
  start_script_server live pathname-server --path "$path"
  wait_for_output live "^Server listening on"
  inode=$(ss_inode "$path")

  run_script pathname-server --path "$path"
  assert_failure 1
  assert_stderr "pathname-server: $path is a live server's socket: left untouched"
  assert_output ""

  # Still the same listener, and the refused server did not show up as its client.
  [ "$(ss_inode "$path")" = "$inode" ]
  run_script pathname-client --path "$path" after
  assert_success
  wait_server live
  run server_log live
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: after"
}

@test "a relative path is bound and removed relative to the current folder" {
  cd "$BATS_TEST_TMPDIR"
  start_script_server server pathname-server --path rel.sock
  wait_for_output server "^Server listening on rel.sock\$"
  assert [ -S "$BATS_TEST_TMPDIR/rel.sock" ]
  run_script pathname-client --path rel.sock
  assert_success
  wait_server server
  assert [ ! -e "$BATS_TEST_TMPDIR/rel.sock" ]
}

@test "--mode sets the socket file's permissions" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path" --mode 600
  wait_for_output server "^Server listening on"
  run stat -c %a "$path"
  assert_output 600
}

@test "a path of exactly 107 bytes is the longest: it works" {
  path=$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq $((107 - ${#BATS_TEST_TMPDIR} - 1))))
  [ "${#path}" -eq 107 ]
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on $path\$"
  run_script pathname-client --path "$path"
  assert_success
  wait_server server
  assert [ ! -e "$path" ]
}
