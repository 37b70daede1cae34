#!/usr/bin/env bats
# The post's first demo in Java: a stream server on a pathname socket, and its client. The server
# serves one client, as the post's does, and touches no file but its own socket's.

load helpers

@test "the pathname server prints what the client sends, then removes its socket file" {
  assert_post_pathname_demo pathname-server
}

@test "ss lists the listener with the post's backlog of 1, and /proc/PID/fd links to the inode ss shows" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"

  assert_witnessed_listener "$path" "${SERVER_PID[server]}" 1
}

@test "a missing parent folder is created with mode 0700" {
  path=$BATS_TEST_TMPDIR/new/folder/s.sock
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run stat -c %a "$BATS_TEST_TMPDIR/new" "$BATS_TEST_TMPDIR/new/folder"
  assert_output "700
700"
}

@test "the message is read until the client closes, not cut at the post's 1024 bytes" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  message=$(head -c 5000 /dev/zero | tr '\0' 'x')
  run_script pathname-client --path "$path" "$message"
  assert_success
  wait_server server
  run server_log server
  assert_line "Received data from client: $message"
}

@test "bytes from the client that are not printable UTF-8 are shown escaped, and read back exactly" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  printf 'caf\xc3\xa9 \x1b[31mred\n\xff\\' >"$BATS_TEST_TMPDIR/sent"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(open(sys.argv[2], "rb").read())' "$path" "$BATS_TEST_TMPDIR/sent"
  wait_server server
  run server_log server
  assert_line 'Received data from client: caf\xc3\xa9 \x1b[31mred\n\xff\\'
  run python3 "$FIXTURES/unescape.py" "$BATS_TEST_TMPDIR/server.log" "Received data from client: "
  assert_output "$(sha256sum <"$BATS_TEST_TMPDIR/sent" | cut -d ' ' -f 1) $(stat -c %s "$BATS_TEST_TMPDIR/sent")"
}

@test "a message larger than the server's memory: the first 64 KiB shown, every byte counted, no error" {
  path=$(socket_path s.sock)
  # A heap of 32 MB, and 1 GB sent: held whole, the message would not fit 30 times over.
  # shellcheck disable=SC2046 # java_options prints the JVM's options, a word each
  start_server server java -Xmx32m $(java_options pathname-server) --path "$path"
  wait_for_output server "^Server listening on"
  assert_gigabyte_counted server "$path" 'b"x"' x
}

@test "SIGTERM and Ctrl-C (SIGINT) stop the server and remove its socket file" {
  path=$(socket_path s.sock)
  for signal in TERM INT; do
    start_script_server server pathname-server --path "$path"
    wait_for_output server "^Server listening on"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[server]}"
    wait_server server
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
  done
}

@test "a stale socket file left by a killed server is removed (and said so), then served; in German too" {
  use_translated_locale
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

@test "a live server's socket is refused and left untouched, and that server saw no client; in German too" {
  use_translated_locale
  path=$(socket_path s.sock)
  start_script_server live pathname-server --path "$path"
  wait_for_output live "^Server listening on"
  inode=$(ss_inode "$path")

  run_script pathname-server --path "$path"
  assert_failure 1
  assert_stderr "pathname-server: $path is a live socket: left untouched"
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

@test "a file that replaced the server's socket file is not removed when the server ends" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  assert_replaced_file_kept server "$path"
}

@test "another server's socket at the same path, after ours was removed, is not removed when ours ends" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  rm "$path"
  start_listener other "$path"
  inode=$(stat -c %i "$path")
  stop_server server TERM
  assert [ -S "$path" ]
  [ "$(stat -c %i "$path")" = "$inode" ]
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$path"
}

# Once a server's socket is closed and its file removed by another, ext4 may give the inode number to
# the next new file at that path. The server's file, with another time made, stands for that file.
@test "a socket file with the server's device and inode but another time made is not removed when the server ends" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  inode=$(stat -c %i "$path")
  python3 -c 'import os, sys; os.utime(sys.argv[1], (946684800, 946684800), follow_symlinks=False)' "$path"
  run_script pathname-client --path "$path"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  assert [ -S "$path" ]
  [ "$(stat -c %i "$path")" = "$inode" ]
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

@test "a path with a newline and an escape byte is printed escaped: one line, no escape sequence" {
  path=$BATS_TEST_TMPDIR/$'odd\n\e[2J.sock'
  start_script_server server pathname-server --path "$path"
  wait_for_output server '^Server listening on .*/odd\\n\\x1b\[2J\.sock$'
  run_script pathname-client --path "$path"
  assert_success
  assert_output "Connected to server at $BATS_TEST_TMPDIR/odd\\n\\x1b[2J.sock"
  wait_server server
  run grep -c '' "$BATS_TEST_TMPDIR/server.log"
  assert_output 3
}
