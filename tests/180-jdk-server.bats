#!/usr/bin/env bats
# Beyond the post: the pathname server with the JDK alone (UnixDomainSocketAddress, Java 16+). It
# speaks with the kit's junixsocket client and the post's client.py, it cannot do abstract names, and
# without a way to tell a stale socket file from a live one it touches no file it did not make.

load helpers

@test "it uses the JDK alone: no junixsocket, no JNA, no lib/, and none on its class path" {
  script=$KIT/scripts/pathname-server-jdk.java
  run grep -E '^//(DEPS|SOURCES|JAVA_OPTIONS) ' "$script"
  assert_output "//DEPS info.picocli:picocli:4.7.7"
  run grep -E 'org\.newsclub|com\.sun\.jna' "$script"
  assert_failure
  run "$KIT/jbang" info classpath "$script"
  assert_success
  refute_output --partial junixsocket
  refute_output --partial jna
}

@test "the kit's junixsocket client talks to the JDK server, which prints what the post's server prints and removes its file" {
  assert_post_pathname_demo pathname-server-jdk
}

@test "the post's client.py talks to the JDK server; more than 64 KiB is counted, not kept; odd bytes are escaped" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server-jdk --path "$path"
  wait_for_output server "^Server listening on $path\$"
  run python3 "$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")"
  assert_success
  assert_output "Connected to server at $path"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received data from client: Hello, server! This is the client."
  assert [ ! -e "$path" ]

  start_script_server server pathname-server-jdk --path "$path"
  wait_for_output server "^Server listening on $path\$"
  python3 -c 'import socket, sys; c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); c.sendall(b"\xff\x1b[2J" + b"z" * (3 << 20))' "$path"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/server.log")" "Received data from client: \\xff\\x1b[2J$(head -c 65531 /dev/zero | tr '\0' z)... (3145733 bytes)"
}

@test "ss lists the JDK's listener with the post's backlog (1), and the server's /proc/PID/fd links to it" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server-jdk --path "$path"
  wait_for_output server "^Server listening on"
  run ss -l -x -A unix_stream
  assert_line --regexp "^LISTEN +0 +1 +$path [0-9]+ "
  inode=$(ss_inode "$path")
  run ls -l "/proc/${SERVER_PID[server]}/fd"
  assert_output --regexp " [0-9]+ -> socket:\[$inode\]"
  run proc_net_unix_row "$path"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +$inode $path\$"
}

@test "a live socket, a stale one and a plain file are all left untouched, each said so in one line" {
  path=$(socket_path s.sock)
  start_script_server kit pathname-server --path "$path"
  wait_for_output kit "^Server listening on"
  run_script pathname-server-jdk --path "$path"
  assert_failure 1
  assert_output ""
  assert_stderr "pathname-server-jdk: $path is a socket file, live or stale: left untouched (if ss -x -l shows no server on it, remove it)"
  # No probe reached the live server: it still waits for its one client, which it gets.
  run server_log kit
  refute_line "Accepted connection from client"
  run_script pathname-client --path "$path" "to junixsocket"
  assert_success
  wait_server kit
  run server_log kit
  assert_line "Received data from client: to junixsocket"

  make_stale_socket "$path"
  inode=$(stat -c %i "$path")
  run_script pathname-server-jdk --path "$path"
  assert_failure 1
  assert_stderr "pathname-server-jdk: $path is a socket file, live or stale: left untouched (if ss -x -l shows no server on it, remove it)"
  assert_equal "$(stat -c %i "$path")" "$inode"

  echo "keep me" >"$BATS_TEST_TMPDIR/file"
  run_script pathname-server-jdk --path "$BATS_TEST_TMPDIR/file"
  assert_failure 1
  assert_stderr "pathname-server-jdk: $BATS_TEST_TMPDIR/file exists and is not a socket: left untouched"
  assert [ "$(cat "$BATS_TEST_TMPDIR/file")" = "keep me" ]
}

@test "the junixsocket server refuses the JDK server's live socket, and leaves it serving" {
  path=$(socket_path s.sock)
  start_script_server jdk pathname-server-jdk --path "$path"
  wait_for_output jdk "^Server listening on"
  run_script pathname-server --path "$path"
  assert_failure 1
  assert_stderr "pathname-server: $path is a live socket: left untouched"
  run_script pathname-client --path "$path" "to the JDK"
  assert_success
  wait_server jdk
  run server_log jdk
  assert_line "Received data from client: to the JDK"
  assert [ ! -e "$path" ]
}

@test "SIGTERM and Ctrl-C remove its own file; a file put in its place is not its own, and stays" {
  path=$(socket_path s.sock)
  for signal in TERM INT; do
    start_script_server server pathname-server-jdk --path "$path"
    wait_for_output server "^Server listening on"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[server]}"
    wait_server server
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
  done

  start_script_server server pathname-server-jdk --path "$path"
  wait_for_output server "^Server listening on"
  mv "$path" "$BATS_TEST_TMPDIR/moved.sock"
  echo "someone else's" >"$path"
  stop_server server
  assert [ "$(cat "$path")" = "someone else's" ]
  assert [ -S "$BATS_TEST_TMPDIR/moved.sock" ] # moved away, the file is no longer at the server's path
}

@test "--abstract: the JDK refuses an abstract name with its own error, one line, exit 1" {
  name=$(unique jdk)
  run_script pathname-server-jdk --abstract "$name"
  assert_failure 1
  assert_output ""
  assert_stderr "pathname-server-jdk: the JDK cannot bind an abstract name: UnixDomainSocketAddress.of(a NUL byte + \"$name\") fails with \"Nul character not allowed\"; that is why the kit uses junixsocket (abstract-server)"
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "bad input: one line on stderr, exit 2; a missing folder is made 0700" {
  run_script pathname-server-jdk --path "$(socket_path s.sock)" --abstract x
  assert_failure 2
  assert_output ""
  assert_stderr "pathname-server-jdk: --path and --abstract exclude each other"

  run_script pathname-server-jdk --path "$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq 108))"
  assert_failure 2
  assert_stderr "pathname-server-jdk: --path must name a file in 1 to 107 bytes"

  run_script pathname-server-jdk --bogus
  assert_failure 2
  assert_stderr "pathname-server-jdk: Unknown option: '--bogus'"

  start_script_server fresh pathname-server-jdk --path "$BATS_TEST_TMPDIR/missing/s.sock"
  wait_for_output fresh "^Server listening on"
  run stat -c %a "$BATS_TEST_TMPDIR/missing"
  assert_output 700
}
