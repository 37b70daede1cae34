#!/usr/bin/env bats
# Beyond the post: the pathname server with the JDK alone (UnixDomainSocketAddress, Java 16+). It
# speaks with the kit's junixsocket client and the post's client.py, and it cannot do abstract names.

load helpers

@test "it uses the JDK alone: no junixsocket import in the script or the files it sources, none on its class path" {
  script=$KIT/scripts/pathname-server-jdk.java
  run grep -E '^//(DEPS|SOURCES) ' "$script"
  assert_output "//DEPS info.picocli:picocli:4.7.7
//SOURCES ../lib/Cli.java ../lib/Messages.java ../lib/SocketAddresses.java ../lib/SocketFiles.java ../lib/ProcNetUnix.java"
  sources=$(sed -n 's|^//SOURCES ||p' "$script")
  run bash -c 'cd "$1" && shift && grep -l "org\.newsclub" "$@"' _ "$KIT/scripts" pathname-server-jdk.java $sources
  assert_failure
  assert_output ""
  run "$KIT/jbang" info classpath "$script"
  assert_success
  refute_output --partial junixsocket
}

@test "the kit's junixsocket client talks to the JDK server, which prints what the post's server prints and removes its file" {
  assert_post_pathname_demo pathname-server-jdk
}

@test "the post's client.py talks to the JDK server" {
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
}

@test "ss lists the JDK's listener as it lists junixsocket's, and the server's /proc/PID/fd links to it" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server-jdk --path "$path"
  wait_for_output server "^Server listening on"
  assert_witnessed_listener "$path" "${SERVER_PID[server]}"
}

@test "the two servers refuse each other's live socket, both ways, and leave it serving" {
  path=$(socket_path s.sock)
  start_script_server jdk pathname-server-jdk --path "$path"
  wait_for_output jdk "^Server listening on"
  run_script pathname-server --path "$path"
  assert_failure 1
  assert_stderr "pathname-server: $path is a live server's socket: left untouched"
  run_script pathname-client --path "$path" "to the JDK"
  assert_success
  wait_server jdk
  run server_log jdk
  assert_line "Received data from client: to the JDK"
  assert [ ! -e "$path" ]

  start_script_server kit pathname-server --path "$path"
  wait_for_output kit "^Server listening on"
  run_script pathname-server-jdk --path "$path"
  assert_failure 1
  assert_stderr "pathname-server-jdk: $path is a live server's socket: left untouched"
  assert_output ""
  run_script pathname-client --path "$path" "to junixsocket"
  assert_success
  wait_server kit
  run server_log kit
  assert_line "Received data from client: to junixsocket"
}

@test "--count 2 serves two clients, bytes that are not printable are escaped; SIGTERM and Ctrl-C remove the file" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server-jdk --path "$path" --count 2
  wait_for_output server "^Server listening on"
  run_script pathname-client --path "$path" one
  run bash -c 'printf "caf\xc3\xa9 \x1b[31mred\n\xff" | "$1" "$2" --path "$3" -' _ "$KIT/jbang" "$KIT/scripts/pathname-client.java" "$path"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 2 "Received data from client: one"
  assert_line --index 4 'Received data from client: café \x1b[31mred\n\xff'

  for signal in TERM INT; do
    start_script_server server pathname-server-jdk --path "$path" --count 0
    wait_for_output server "^Server listening on"
    assert [ -S "$path" ]
    kill "-$signal" "${SERVER_PID[server]}"
    wait_server server
    [ "$SERVER_STATUS" -eq $((128 + $(kill -l "$signal"))) ]
    assert [ ! -e "$path" ]
  done
}

@test "--abstract: the JDK refuses an abstract name with its own error, one line, exit 1" {
  name=$(unique jdk)
  run_script pathname-server-jdk --abstract "$name"
  assert_failure 1
  assert_output ""
  assert_stderr "pathname-server-jdk: the JDK cannot bind an abstract name: UnixDomainSocketAddress.of(\"\\0$name\") fails with \"Nul character not allowed\"; that is why the kit uses junixsocket (abstract-server)"
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "bad input and files in the way: one line on stderr, the file untouched" {
  run_script pathname-server-jdk --path "$(socket_path s.sock)" --abstract x
  assert_failure 2
  assert_stderr "pathname-server-jdk: --path and --abstract exclude each other (see 'pathname-server-jdk --help')"

  run_script pathname-server-jdk --path "$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq 108))"
  assert_failure 2
  assert_stderr --regexp "^pathname-server-jdk: Invalid value for option '--path': a socket path must be 1 to 107 bytes \(sun_path holds 108, with the closing NUL\), not [0-9]+ \(see 'pathname-server-jdk --help'\)\$"

  run_script pathname-server-jdk --abstract "$(printf 'n%.0s' $(seq 108))"
  assert_failure 2
  assert_stderr --regexp "^pathname-server-jdk: Invalid value for option '--abstract': an abstract name must be 1 to 107 bytes"

  echo "keep me" >"$BATS_TEST_TMPDIR/file"
  run_script pathname-server-jdk --path "$BATS_TEST_TMPDIR/file"
  assert_failure 1
  assert_stderr "pathname-server-jdk: $BATS_TEST_TMPDIR/file exists and is not a socket: left untouched"
  assert [ "$(cat "$BATS_TEST_TMPDIR/file")" = "keep me" ]
}

@test "it shares pathname-server's care: a stale socket is reclaimed, a missing folder made 0700" {
  make_stale_socket "$BATS_TEST_TMPDIR/stale.sock"
  start_script_server server pathname-server-jdk --path "$BATS_TEST_TMPDIR/stale.sock"
  wait_for_output server "^Server listening on $BATS_TEST_TMPDIR/stale.sock\$"
  run server_log server
  assert_line --index 0 "Removed stale socket file $BATS_TEST_TMPDIR/stale.sock (its server is gone)"
  stop_server server

  start_script_server fresh pathname-server-jdk --path "$BATS_TEST_TMPDIR/missing/s.sock"
  wait_for_output fresh "^Server listening on"
  run stat -c %a "$BATS_TEST_TMPDIR/missing"
  assert_output 700
}
