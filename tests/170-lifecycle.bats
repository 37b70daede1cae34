#!/usr/bin/env bats
# Beyond the post: the post's "Feel free to try!". A pathname socket file outlives its server; an
# abstract name vanishes with its last reference, and not before, also when a child process holds it.
# Witnesses: the script's claims, /proc/net/unix and /proc/PID/fd as the test reads them after the run.

load helpers

# The pids in the script's output: server_pid (the script's own), child_pid (the child of (c)).
find_pids() {
  server_pid=$(sed -nE 's/^Held by: pid ([0-9]+) fd [0-9]+, .*/\1/p' <<<"$output" | head -n 1)
  child_pid=$(sed -n 's/^It starts child process \([0-9]*\) .*/\1/p' <<<"$output")
  [ -n "$server_pid" ] && [ -n "$child_pid" ] && [ "$server_pid" != "$child_pid" ]
}

# The script's output with what changes from run to run replaced: the kernel's rows (their fields
# checked here: listening, stream, unconnected, then the address), the pids, the server's fd.
normalized_output() {
  sed -E -e 's/^\/proc\/net\/unix: [0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +[0-9]+ /\/proc\/net\/unix: LISTENING STREAM /' \
    -e "s/pid $server_pid fd [0-9]+/pid SERVER fd N/g" -e "s/(process |pid |Child )$child_pid\\b/\\1CHILD/g" \
    -e "s/(uds-lifecycle-)$server_pid\\b/\\1SERVER/g" <<<"$output"
}

expected_output() {
  local path=$1 name=$2
  cat <<EOF
== (a) A pathname socket file outlives its server
A server binds and listens on $path
/proc/net/unix: LISTENING STREAM $path
The server closes its socket, and leaves the file (delete-on-close is off)
/proc/net/unix: no row for $path
The file is still there: srw-rw-rw- $path
Connecting to it: Connection refused: a stale socket file, nothing behind it
Removed the stale file $path (it is ours)

== (b) An abstract name vanishes with its last reference
A server binds and listens on @$name (no file: the name lives in the kernel)
/proc/net/unix: LISTENING STREAM @$name
The server closes its socket, the name's only reference
/proc/net/unix: no row for @$name

== (c) A child process that holds the socket keeps the name, until it exits
A server binds and listens on @$name again (the name was free)
It starts child process CHILD with the socket as its standard input (fd 0)
/proc/net/unix: LISTENING STREAM @$name
Held by: pid SERVER fd N, pid CHILD fd 0
The server closes its descriptor: it holds the socket no more
/proc/net/unix: LISTENING STREAM @$name
Held by: pid CHILD fd 0
The name stays while the child holds it. Connecting to it: the child accepts
Child CHILD: accepted a connection on the socket it inherited; it exits without closing it
The child exited: the kernel closed its descriptors, the name's last reference
/proc/net/unix: no row for @$name

Every claim held, and nothing is left behind.
EOF
}

# Nothing of the run is left: no file, no abstract name, no child process.
assert_nothing_left() {
  assert [ ! -e "$1" ]
  assert [ -z "$(proc_net_unix_row "$1")" ]
  assert [ -z "$(proc_net_unix_row "@$2")" ]
  run kill -0 "$child_pid"
  assert_failure
}

@test "each claim as /proc/net/unix shows it: the stale file, the vanished name, the child that holds it" {
  path=$(socket_path l.sock)
  name=$(unique life)
  run_script lifecycle --path "$path" --name "$name"
  assert_success
  assert_stderr "" # no warning, on any JDK
  find_pids
  normalized=$(normalized_output)
  assert_equal "$normalized" "$(expected_output "$path" "$name")"
  assert_nothing_left "$path" "$name"
}

@test "without options: a path and a name unique to the run, and nothing left behind" {
  run_script lifecycle
  assert_success
  find_pids
  normalized=$(normalized_output)
  assert_equal "$normalized" "$(expected_output /tmp/uds-lifecycle-SERVER.sock uds-lifecycle-SERVER)"
  assert_nothing_left "/tmp/uds-lifecycle-$server_pid.sock" "uds-lifecycle-$server_pid"
}

@test "a name with spaces and bytes that are not printable: found in /proc/net/unix, shown escaped" {
  base=$(unique life)
  name="$base x  y"$'\x1b[2J'
  run_script lifecycle --path "$(socket_path l.sock)" --name "$name"
  assert_success
  shown="$base x  y\\x1b[2J"
  assert_line "A server binds and listens on @$shown (no file: the name lives in the kernel)"
  assert_line --regexp "^/proc/net/unix: [0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +[0-9]+ @$base x  y\\\\x1b\\[2J\$"
  assert_line "/proc/net/unix: no row for @$shown"
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "a stale socket file at the path is removed first (and said so), and each claim holds; other files are refused untouched; in German too" {
  use_translated_locale
  path=$(socket_path l.sock)
  make_stale_socket "$path"
  run_script lifecycle --path "$path" --name "$(unique life)"
  assert_success
  assert_line --index 1 "Removed stale socket file $path (its server is gone)"
  assert [ ! -e "$path" ]

  echo "keep me" >"$BATS_TEST_TMPDIR/file"
  run_script lifecycle --path "$BATS_TEST_TMPDIR/file" --name "$(unique life)"
  assert_failure 1
  assert_stderr "lifecycle: $BATS_TEST_TMPDIR/file exists and is not a socket: left untouched"
  assert [ "$(cat "$BATS_TEST_TMPDIR/file")" = "keep me" ]

  start_listener live "$BATS_TEST_TMPDIR/live.sock"
  inode=$(ss_inode "$BATS_TEST_TMPDIR/live.sock")
  run_script lifecycle --path "$BATS_TEST_TMPDIR/live.sock" --name "$(unique life)"
  assert_failure 1
  assert_stderr "lifecycle: $BATS_TEST_TMPDIR/live.sock is a live socket: left untouched"
  [ "$(ss_inode "$BATS_TEST_TMPDIR/live.sock")" = "$inode" ]
}

@test "an abstract name in use is refused before anything is made, and its holder keeps it" {
  name=$(unique held)
  start_listener held "@$name"
  inode=$(ss_inode "@$name")
  path=$(socket_path l.sock)
  run_script lifecycle --path "$path" --name "$name"
  assert_failure 1
  assert_output ""
  assert_stderr "lifecycle: @$name is already in use"
  [ "$(ss_inode "@$name")" = "$inode" ]
  assert [ ! -e "$path" ]
  # No phantom client: the holder's queue of connections to accept is empty (ss's Recv-Q).
  run ss -l -x -A unix_stream
  assert_line --regexp "^LISTEN +0 +[0-9]+ +@$name $inode "
}

@test "bad input: one line on stderr, exit 2; the hidden child role wants a listening socket, exit 1" {
  run_script lifecycle --name "$(printf 'n%.0s' $(seq 108))"
  assert_failure 2
  assert_output ""
  assert_stderr "lifecycle: --path must name a file in 1 to 107 bytes, and --name be 1 to 107 bytes"

  run_script lifecycle --path "$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq 108))"
  assert_failure 2
  assert_output ""
  assert_stderr "lifecycle: --path must name a file in 1 to 107 bytes, and --name be 1 to 107 bytes"

  run_script lifecycle --inherited-child </dev/null
  assert_failure 1
  assert_stderr "lifecycle: --inherited-child is lifecycle's own: it wants a listening socket as standard input"
  assert_output ""
}
