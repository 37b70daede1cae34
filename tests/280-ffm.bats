#!/usr/bin/env bats
# The post's sockets with the JDK alone, through the FFM API (JDK 22+): the lessons call libc's
# socket functions themselves. They run on a JDK 22+ (JAVA_HOME, also on the JDK 17 run); where the
# machine has none, every test says so and skips. Peers are the post's Python scripts, python3 and
# socat; the kernel's view comes from ss and /proc/net/unix. Both of CI's runs would run them on the
# same JDK 22+ (JAVA_HOME's on the JDK 25 run, the first in /usr/lib/jvm on the JDK 17 one): the
# second run leaves the suite out.

# bats file_tags=jdk-neutral

load helpers

setup_file() {
  FFM_JAVA_HOME=$(ffm_java_home)
  export FFM_JAVA_HOME
  [ -n "$FFM_JAVA_HOME" ] || return 0
  export JAVA_HOME=$FFM_JAVA_HOME
  # One abstract server for the tests that only talk to it.
  export shared
  shared=$(unique shared)
  start_script_server shared abstract-server-ffm --name "$shared"
  wait_for_output shared "^Server is listening for connections on abstract socket: $shared\$"
}

teardown_file() {
  stop_servers
}

setup() {
  [ -n "$FFM_JAVA_HOME" ] || skip "no JDK 22 or newer on this machine (\$JAVA_HOME or /usr/lib/jvm): the FFM lessons need one"
}

# The shared server's log (setup_file's), lines from the Nth on.
shared_log_from() {
  tail -n "+$1" "$BATS_FILE_TMPDIR/shared.log"
}

# wait_for_shared REGEX: waits until the shared server's log has a line matching REGEX.
wait_for_shared() {
  wait_until "the shared server to print /$1/" grep -qaE -- "$1" "$BATS_FILE_TMPDIR/shared.log"
}

@test "the FFM abstract server serves the post's Python client and socat, printing what abstract-server prints, nothing on stderr" {
  start=$(($(wc -l <"$BATS_FILE_TMPDIR/shared.log") + 1))
  client=$(python_fixture client_abstract.py abstract_socket "$shared")
  run python3 "$client"
  assert_success
  wait_for_shared "^Received data: Hello, abstract socket!\$"
  printf 'from socat\n' | socat - "ABSTRACT-CONNECT:$shared"
  wait_for_shared '^Received data: from socat\\n$'
  # The log holds stdout and stderr: no warning (native access is enabled in the header), no other line.
  run shared_log_from "$start"
  assert_output 'Accepted connection from client
Received data: Hello, abstract socket!
Accepted connection from client
Received data: from socat\n'
}

@test "ss lists the FFM server's name with the post's backlog of 128, and /proc/PID/fd links to its inode" {
  pid=$(ss -x -l -n -p | awk -v address="@$shared" '$5 == address' | sed -n 's/.*pid=\([0-9]*\),.*/\1/p')
  [ -n "$pid" ]
  assert_witnessed_listener "@$shared" "$pid" 128
}

@test "a name in use: one line by errno (also in German), exit 1, and the holder sees no client" {
  use_translated_locale
  inode=$(ss_inode "@$shared")
  start=$(($(wc -l <"$BATS_FILE_TMPDIR/shared.log") + 1))
  run_script abstract-server-ffm --name "$shared"
  assert_failure 1
  assert_output ""
  assert_stderr "abstract-server-ffm: @$shared: Address already in use"
  [ "$(ss_inode "@$shared")" = "$inode" ]
  # bind() alone found out, with no connect(): the next client the holder accepts is the real one.
  printf 'after' | socat - "ABSTRACT-CONNECT:$shared"
  wait_for_shared '^Received data: after$'
  run shared_log_from "$start"
  assert_output "Accepted connection from client
Received data: after"
}

@test "a name with a trailing NUL and the same name without are two sockets, each reached exactly" {
  name=$(unique nul)
  start_script_server with abstract-server-ffm --name "$name\\x00" --count 1
  start_script_server without abstract-server-ffm --name "$name" --count 1
  wait_for_output with "^Server is listening for connections on abstract socket: $name\\\\x00\$"
  wait_for_output without "^Server is listening for connections on abstract socket: $name\$"
  # /proc/net/unix shows a NUL as @: the one name ends in @.
  [ -n "$(proc_net_unix_row "@$name@")" ]
  [ -n "$(proc_net_unix_row "@$name")" ]
  python3 -c '
import socket, sys
for address, message in ((b"\0" + sys.argv[1].encode() + b"\0", b"to the name with a NUL"), (b"\0" + sys.argv[1].encode(), b"to the name without")):
    s = socket.socket(socket.AF_UNIX)
    s.connect(address)
    s.sendall(message)
    s.close()' "$name"
  wait_server with
  wait_server without
  run server_log with
  assert_line --index 2 "Received data: to the name with a NUL"
  run server_log without
  assert_line --index 2 "Received data: to the name without"
}

@test "a message over 64 KiB: its first 64 KiB printed, then the count of all its bytes" {
  start=$(($(wc -l <"$BATS_FILE_TMPDIR/shared.log") + 1))
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(b"a" * 65536 + b"b" * 70000); s.close()' "$shared"
  wait_for_shared '[.]{3} \(135536 bytes\)$'
  run shared_log_from "$start"
  assert_output "Accepted connection from client
Received data: $(printf 'a%.0s' $(seq 65536))... (135536 bytes)"
}

@test "SIGTERM: the FFM server exits 143 and leaves no name behind" {
  name=$(unique term)
  start_script_server server abstract-server-ffm --name "$name"
  wait_for_output server "^Server is listening"
  [ -n "$(proc_net_unix_row "@$name")" ]
  kill -TERM "${SERVER_PID[server]}"
  wait_server server
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
  run server_log server
  assert_output "Server is listening for connections on abstract socket: $name"
}

@test "a client that resets mid-message is reported, and the FFM server serves on" {
  name=$(unique reset)
  start_script_server server abstract-server-ffm --name "$name" --count 2
  wait_for_output server "^Server is listening"
  start_server dying python3 -c 'import signal, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(b"half a mess"); print("sent", flush=True); signal.pause()' "$name"
  wait_for_output dying "^sent\$"
  stop_server dying KILL
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(b"next"); s.close()' "$name"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received data: half a mess"
  assert_line "Received data: next"
}

@test "bad input to the FFM abstract server: one line, exit 2" {
  long=$(printf 'n%.0s' $(seq 108))
  for name in "$long" 'a\q'; do
    run_script abstract-server-ffm --name "$name"
    assert_failure 2
    assert_output ""
    assert_stderr "abstract-server-ffm: --name must be 1 to 107 bytes, a backslash only before xHH, n or a backslash, and --count 0 or more"
  done
}

@test "the FFM datagram server answers a sender bound to @c\x00 at @c\x00 and one bound to @c at @c, each alone; and socat" {
  name=$(unique dgram) c=$(unique c)
  start_script_server server datagram-server-ffm "@$name" --count 4
  wait_for_output server "^Server is bound to datagram socket: @$name\$"
  # Two senders in turn, each with a bystander on the other name: only the sender gets the answer.
  run python3 "$FIXTURES/exact_senders.py" "@$name" "@$c"
  assert_success
  assert_output "@$c\\x00 got b'FROM $(tr a-z A-Z <<<"$c")\\x00'
@$c got nothing
@$c got b'FROM $(tr a-z A-Z <<<"$c")'
@$c\\x00 got nothing"
  # A sender that did not bind cannot be answered; socat can (it prints the answer; its bind= is abstract here).
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"unbound", b"\0" + sys.argv[1].encode())' "$name"
  own=$(socket_path own.sock)
  run socat -T 5 - "ABSTRACT-SENDTO:$name,bind=$own" <<<"from socat"
  assert_output "FROM SOCAT"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server is bound to datagram socket: @$name
Received datagram from @$c\\x00: from $c\\x00
Received datagram from @$c: from $c
Received datagram from (unnamed): unbound
Not answered: the sender has no address (it did not bind)
Received datagram from @$own: from socat\\n"
}

@test "the FFM datagram server on a path: a path in use refused by errno (also in German), SIGTERM removes its own file" {
  use_translated_locale
  path=$(socket_path server.sock)
  start_script_server server datagram-server-ffm "$path"
  wait_for_output server "^Server is bound to datagram socket: $path\$"
  inode=$(stat -c %i "$path")
  run_script datagram-server-ffm "$path"
  assert_failure 1
  assert_output ""
  assert_stderr "datagram-server-ffm: $path: Address already in use"
  [ "$(stat -c %i "$path")" = "$inode" ]
  run socat -T 5 - "UNIX-SENDTO:$path,bind=$(socket_path client.sock)" <<<"still there"
  assert_output "STILL THERE"
  kill -TERM "${SERVER_PID[server]}"
  wait_server server
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ ! -e "$path" ]
  assert [ -z "$(proc_net_unix_row "$path")" ]
}

@test "bad input to the FFM datagram server: one line, exit 2" {
  run_script datagram-server-ffm "@$(printf 'n%.0s' $(seq 108))"
  assert_failure 2
  assert_output ""
  assert_stderr "datagram-server-ffm: ADDRESS must be @NAME or a path, of 1 to 107 bytes"
}

@test "the FFM lessons' help texts end as sentences do" {
  # As 090 checks uds's, which cannot hold these lessons: one JVM, with both lessons' class paths.
  classpath= mains=() names=()
  for lesson in "${FFM_LESSONS[@]}"; do
    names+=("$(basename "$lesson" .java)")
    classpath+=$(classpath_of "${names[-1]}"):
    mains+=("$(sed -n 's/^class \([A-Za-z]*\) .*/\1/p' "$lesson" | head -n 1)")
  done
  run --separate-stderr "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$classpath" "$FIXTURES/HelpTexts.java" "${mains[@]}"
  assert_success
  for name in "${names[@]}"; do
    assert_line --regexp "^$name: "
  done
  run grep -vE '[.:;!?)]$' <<<"$output"
  assert_output ""
}

@test "copied alone, the FFM lessons run with stock JBang on a JDK 22+, with nothing else" {
  use_stock_jbang # the run's cache, where setup_suite built them on the JDK 22+
  name=$(unique alone)
  cd "$(copy_alone abstract-server-ffm)"
  cp "$KIT/scripts/datagram-server-ffm.java" .
  start_server stream jbang abstract-server-ffm.java --name "$name" --count 1
  start_server dgram jbang datagram-server-ffm.java "@$name" --count 1
  wait_for_output stream "^Server is listening for connections on abstract socket: $name\$"
  wait_for_output dgram "^Server is bound to datagram socket: @$name\$"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(b"alone"); s.close()' "$name"
  run socat -T 5 - "ABSTRACT-SENDTO:$name,bind=$(socket_path own.sock)" <<<"alone"
  assert_output "ALONE"
  wait_server stream
  [ "$SERVER_STATUS" -eq 0 ]
  wait_server dgram
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log stream
  assert_line "Received data: alone"
}
