#!/usr/bin/env bats
# Faults, floods and hostile bytes: the servers report what happened and serve on; memory, threads
# and file descriptors stay bounded; every message, of any content, is printed in the kit's notation
# (docs/escapes.md) and reads back to the exact bytes.

load helpers

@test "a server that closes before reading: uds client says so, exit 1; in German too (EPIPE or ECONNRESET, told by type)" {
  use_translated_locale
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
  run --separate-stderr bash -c '"$1" "$2" client "$3" - <"$4"' _ "$KIT/jbang" "$KIT/scripts/uds.java" "$path" "$BATS_TEST_TMPDIR/big"
  assert_failure 1
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${stderr_lines[0]}" "Connected to server at $path"
  assert_regex "${stderr_lines[1]}" '^uds: the other end closed the connection before it read everything \(.+\)$'
  assert_equal "${#stderr_lines[@]}" 2
}

# The messages of tests/fixtures/hostile_messages.py, sent one connection each to the abstract
# lesson (one client at a time, so in order), read back from its log with the tests' own decoder.
@test "every kind of byte and character, and random bytes, read back exactly from what the server printed" {
  name=$(unique bytes)
  python3 "$FIXTURES/hostile_messages.py" list >"$BATS_TEST_TMPDIR/kinds"
  count=$(wc -l <"$BATS_TEST_TMPDIR/kinds")
  [ "$count" -gt 300 ]
  start_script_server server abstract-server --name "$name" --count "$count"
  wait_for_output server "^Server is listening"
  run python3 "$FIXTURES/hostile_messages.py" send "$name"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run python3 "$FIXTURES/hostile_messages.py" check "$BATS_TEST_TMPDIR/server.log"
  assert_success
  assert_output "$count of $count messages read back exactly; every line printable"
}

@test "U+E0001 and U+202E are printed as \\u{e0001} and \\u{202e}, C1 controls and bytes that are not UTF-8 as escapes" {
  name=$(unique format)
  start_script_server server abstract-server --name "$name" --count 2
  wait_for_output server "^Server is listening"
  python3 -c '
import socket, sys
for message in ["tag \U000E0001 flip \u202e next \x85 line \u2028".encode(), b"\xff not \xc3\xa9 UTF-8 \x1b[2J"]:
    s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(message); s.close()' "$name"
  wait_server server
  run server_log server
  assert_line 'Received data: tag \u{e0001} flip \u{202e} next \u{85} line \u{2028}'
  assert_line 'Received data: \xff not \xc3\xa9 UTF-8 \x1b[2J'
}

@test "uds server: a message larger than its memory is counted, not held (32 MB heap, 1 GB sent)" {
  path=$(socket_path s.sock)
  # shellcheck disable=SC2046 # java_options prints the JVM's options, a word each
  start_server server java -Xmx32m $(java_options uds) server "$path"
  wait_for_output server "^Server listening on"
  assert_gigabyte_counted server "$path" 'b"\x00"' '\x00'
}

@test "uds server out of file descriptors: says so once each time, keeps its socket, and serves again when they return" {
  name=$(unique emfile)
  # 40 descriptors in all: the JVM takes about a dozen, so the clients below run it out.
  # shellcheck disable=SC2046 # java_options prints the JVM's options, a word each
  start_server server prlimit --nofile=40:40 -- java $(java_options uds) server "@$name" --count 0 --idle 600
  wait_for_output server "^Server is listening"
  inode=$(listener_inode "@$name")
  start_server holders python3 -c '
import signal, socket, sys
held = []
for _ in range(60):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(b"\0" + sys.argv[1].encode())
    except BlockingIOError:
        pass
    held.append(s)
print("holding", len(held), flush=True)
signal.pause()' "$name"
  wait_for_output holders "^holding 60\$"
  wait_for_output server "^uds server: cannot accept a client \(Too many open files\): trying again until it can\$"
  [ "$(listener_inode "@$name")" = "$inode" ] # still the same listening socket
  stop_server holders
  wait_for_output server "^uds server: accepting clients again\$"
  run_script uds client "@$name" "after the flood"
  assert_success
  wait_for_output server "^Received data: after the flood\$"
  # Once each time it runs out, not once a retry (it retries every 10 ms to 1 s). A descriptor that
  # comes back while the clients still hold theirs lets one more client in, and it runs out again
  # (seen once in CI: a held connection ended).
  times_out=$(grep -c 'cannot accept' "$BATS_TEST_TMPDIR/server.log")
  [ "$times_out" -ge 1 ] && [ "$times_out" -eq "$(grep -c '^uds server: accepting clients again$' "$BATS_TEST_TMPDIR/server.log")" ]
  refute [ -n "$(grep -E 'Exception|at [a-z]+\.' "$BATS_TEST_TMPDIR/server.log")" ]
}

@test "uds server under 1000 idle connections: threads and memory stay bounded, and a real client is served" {
  name=$(unique flood)
  start_script_server server uds server "@$name" --count 0 --idle 2
  wait_for_output server "^Server is listening"
  pid=$(pgrep -f -n "Uds server @$name")
  start_server flood python3 -c '
import signal, socket, sys
held, refused = [], 0
for _ in range(1000):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(b"\0" + sys.argv[1].encode())
        held.append(s)
    except (BlockingIOError, ConnectionRefusedError):
        refused += 1
        s.close()
print("connected", len(held), "refused", refused, flush=True)
signal.pause()' "$name"
  wait_for_output flood "^connected "
  wait_for_output server "clients at once \(--max-clients\)"
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
  [ "$threads" -le 100 ] || fail "$threads threads for 64 clients at once"
  rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  [ "$rss" -le 300000 ] || fail "peak memory $rss kB"
  stop_server flood
  run_script uds client "@$name" "a real one"
  assert_success
  wait_for_output server "^Received data: a real one\$"
}
