#!/usr/bin/env bats
# The spy: between clients and a server, it shows what passes and who is on each end. The servers and
# clients are real programs nobody here wrote (curl; Python's http.server on a unix socket; redis-server
# and redis-cli, which tests/run installs), the kit's fd-passing lesson and plain python3 peers. Each
# test compares what a client gets through the spy with what it gets without it, reads the spy's log
# back to bytes, and checks what the spy leaves in the server's folder on its way out, SIGKILL too.

load helpers

setup() {
  folder=$BATS_TEST_TMPDIR/run # the server's folder: the spy may only ever touch the server's socket file in it
  mkdir -m 755 "$folder"
  path=$folder/app.sock
}

# start_spy LABEL ARGS...: the spy as a server, ready once it has said where it listens (and, in the
# server's place, how to put the file back).
start_spy() {
  local label=$1
  shift
  start_script_server "$label" spy "$@"
  wait_for_output "$label" '^Spy listening on |^\{"event":"listening",'
  # In the server's place, how to put its file back follows on a line of its own: written just after.
  if grep -qE "in the server's place|\"in_place\":true" "$(server_logs)/$label.log"; then
    wait_for_output "$label" '^If the spy is killed with SIGKILL|^\{"event":"how_to_restore",'
  fi
}

# start_http LABEL ADDRESS: Python's http.server on a unix socket (a path or @name).
start_http() {
  start_server "$1" python3 -u "$FIXTURES/http_unix.py" "$2"
  wait_for_output "$1" "^listening\$"
}

# start_peer LABEL COMMAND PATH: a server of tests/fixtures/spy_peers.py.
start_peer() {
  start_server "$1" python3 -u "$FIXTURES/spy_peers.py" "$2" "$3"
  wait_for_output "$1" "^listening\$"
}

# The server's folder as the file system has it: each entry's inode, type and mode, owner, size,
# modification time and name. The spy may rename and link the server's socket file (which changes no
# modification time), but what this prints must be the same before the spy and after it.
folder_state() {
  find "$folder" -mindepth 1 -printf '%i %M %u %g %s %T@ %P\n' | sort -k 7
}

# A folder with more than the server in it: a file, a symbolic link, a stale socket file.
furnish_folder() {
  echo "notes" >"$folder/notes.txt"
  ln -s app.sock "$folder/link-to-app"
  make_stale_socket "$folder/old.sock"
}

# log_data LABEL ID DIRECTION: the bytes of each chunk conversation #ID passed in DIRECTION (> or <),
# as the spy's log shows them, read back (tests/fixtures/unescape.py) and joined.
log_data() {
  local line
  sed -n "s/^#$2 +[0-9.]* $3 [0-9]* bytes\{0,1\}[^:]*: //p" "$BATS_TEST_TMPDIR/$1.log" | while IFS= read -r line; do
    printf '%s' "$line" | python3 "$FIXTURES/unescape.py" -
  done
}

@test "curl through the spy in place: the same answer; the request, the reply and both ends in the log; SIGTERM puts the file back" {
  start_http http "$path"
  chmod 640 "$path"
  chown root:nogroup "$path"
  furnish_folder
  before=$(folder_state)
  server_inode=$(stat -c %i "$path")
  curl -si --unix-socket "$path" http://localhost/hello >"$BATS_TEST_TMPDIR/direct"
  grep -q "Hello from /hello" "$BATS_TEST_TMPDIR/direct"

  start_spy spy "$path"
  run server_log spy
  assert_line --index 0 "Spy listening on $path (SOCK_STREAM, mode 640, owner 0:65534, in the server's place); connections go on to $path.uds-spy-original"
  assert_line --index 1 "If the spy is killed with SIGKILL, put the server's socket file back with: jbang spy.java --restore $path (or: mv $path.uds-spy-original $path)"
  # The clients' path leads to the spy's socket now, with the server's owner and mode; the server's is beside it.
  assert_equal "$(stat -c '%a %u %g %F' "$path")" "640 0 65534 socket"
  assert_equal "$(stat -c %i "$path.uds-spy-original")" "$server_inode"
  [ "$(stat -c %i "$path")" != "$server_inode" ]

  curl -si --unix-socket "$path" http://localhost/hello >"$BATS_TEST_TMPDIR/through-spy"
  cmp "$BATS_TEST_TMPDIR/direct" "$BATS_TEST_TMPDIR/through-spy"
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ open: client pid=[0-9]+ uid=0 gid=0 command=curl -> server pid=${SERVER_PID[http]} uid=0 gid=0 command=python3"
  assert_line --regexp '^#1 \+[0-9.]+ > 78 bytes: GET /hello HTTP/1\.1\\x0d\\nHost: localhost\\x0d\\n'
  assert_line --regexp '^#1 \+[0-9.]+ > end: the client sends no more; passed on with shutdown\(SHUT_WR\)$'
  assert_line --regexp '^#1 \+[0-9.]+ < end: the server sends no more; passed on with shutdown\(SHUT_WR\)$'
  assert_line --regexp "^#1 \+[0-9.]+ closed: 78 bytes >, $(stat -c %s "$BATS_TEST_TMPDIR/direct") bytes <\$"
  # What the log shows is, byte for byte, what passed: the reply is what curl printed.
  log_data spy 1 '<' >"$BATS_TEST_TMPDIR/reply-in-log"
  cmp "$BATS_TEST_TMPDIR/direct" "$BATS_TEST_TMPDIR/reply-in-log"

  stop_server spy TERM
  run server_log spy
  assert_line "Put the server's socket file back at $path"
  assert_equal "$(folder_state)" "$before"
  run curl -si --unix-socket "$path" http://localhost/hello
  assert_output "$(cat "$BATS_TEST_TMPDIR/direct")"
}

@test "curl --abstract-unix-socket through --listen @NAME: the same answer; an abstract name itself cannot be taken" {
  name=$(unique http)
  start_http http "@$name"
  direct=$(curl -si --abstract-unix-socket "$name" http://localhost/abstract)

  start_spy spy "@$name" --listen "@$name-spy"
  run server_log spy
  assert_output "Spy listening on @$name-spy (SOCK_STREAM); connections go on to @$name: point the clients at @$name-spy"
  run curl -si --abstract-unix-socket "$name-spy" http://localhost/abstract
  assert_success
  assert_output "$direct"
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
  run server_log spy
  assert_line --regexp '^#1 \+[0-9.]+ > [0-9]+ bytes: GET /abstract HTTP/1\.1\\x0d\\n'
  assert_line --regexp '^#1 \+[0-9.]+ < [0-9]+ bytes: .*Hello from /abstract\\n$'

  stop_server spy INT
  assert [ -z "$(proc_net_unix_row "@$name-spy")" ]
  run_script spy "@$name"
  assert_failure 2
  assert_stderr "spy: an abstract name cannot be taken from a live server: give the spy an address of its own with --listen, and point the clients there"
}

@test "redis-cli -s against redis-server through the spy: the same answers; the commands and replies in the log; Ctrl-C puts the file back" {
  start_server redis redis-server --port 0 --unixsocket "$path" --unixsocketperm 700 --save '' --appendonly no --dir "$folder" --daemonize no
  wait_for_output redis "ready to accept connections at $path"
  before=$(folder_state)
  redis-cli -s "$path" SET greeting "hello, spy" >"$BATS_TEST_TMPDIR/direct"
  redis-cli -s "$path" GET greeting >>"$BATS_TEST_TMPDIR/direct"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/direct")" "OK
hello, spy"

  start_spy spy "$path"
  assert_equal "$(stat -c %a "$path")" "700"
  redis-cli -s "$path" SET greeting "hello, spy" >"$BATS_TEST_TMPDIR/through-spy"
  redis-cli -s "$path" GET greeting >>"$BATS_TEST_TMPDIR/through-spy"
  cmp "$BATS_TEST_TMPDIR/direct" "$BATS_TEST_TMPDIR/through-spy"
  wait_for_output spy '^#2 \+[0-9.]+ closed: '
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ open: client pid=[0-9]+ uid=0 gid=0 command=redis-cli -> server pid=${SERVER_PID[redis]} uid=0 gid=0 command=redis-server\$"
  assert_line --regexp '^#1 \+[0-9.]+ > [0-9]+ bytes: \*3\\x0d\\n\$3\\x0d\\nSET\\x0d\\n\$8\\x0d\\ngreeting\\x0d\\n\$10\\x0d\\nhello, spy\\x0d\\n$'
  assert_line --regexp '^#1 \+[0-9.]+ < 5 bytes: \+OK\\x0d\\n$'
  assert_line --regexp '^#2 \+[0-9.]+ < 17 bytes: \$10\\x0d\\nhello, spy\\x0d\\n$'

  stop_server spy INT
  run server_log spy
  assert_line "Put the server's socket file back at $path"
  assert_equal "$(folder_state)" "$before"
  run redis-cli -s "$path" GET greeting
  assert_output "hello, spy"
}

@test "SIGKILL leaves the server unreachable with a line saying how to restore; --restore, or the next spy, puts the file back" {
  start_http http "$path"
  furnish_folder
  before=$(folder_state)
  start_spy spy "$path"
  grep -qxF "If the spy is killed with SIGKILL, put the server's socket file back with: jbang spy.java --restore $path (or: mv $path.uds-spy-original $path)" "$BATS_TEST_TMPDIR/spy.log"
  stop_server spy KILL
  run curl -s --unix-socket "$path" http://localhost/
  assert_failure 7 # no server is bound to the spy's file: connection refused

  run_script spy --restore "$path"
  assert_success
  assert_stderr ""
  assert_output "Put the server's socket file back at $path (a spy had moved it to $path.uds-spy-original and was killed)
Removed stale socket file $path.uds-spy/s (its server is gone)"
  assert_equal "$(folder_state)" "$before"
  run curl -s --unix-socket "$path" http://localhost/back
  assert_output "Hello from /back"
  run_script spy --restore "$path" # nothing left to do: says so, and succeeds
  assert_success
  assert_output "Nothing to put back: $path.uds-spy-original does not exist"

  # Killed again: this time the next spy finds the file aside, puts it back, and takes its place anew;
  # with --json, every line it prints is a JSON object, the repeated methods' lines too.
  start_spy spy "$path"
  stop_server spy KILL
  start_spy spy "$path" --json
  run python3 -c 'import json, sys; [print(json.loads(line)["event"], json.loads(line).get("message", "")) for line in open(sys.argv[1])]' "$BATS_TEST_TMPDIR/spy.log"
  assert_success
  assert_line --index 0 "restored Put the server's socket file back at $path (a spy had moved it to $path.uds-spy-original and was killed)"
  assert_line --index 1 "note Removed stale socket file $path.uds-spy/s (its server is gone)"
  assert_line --index 2 --partial "listening Spy listening on $path (SOCK_STREAM, "
  run curl -s --unix-socket "$path" http://localhost/again
  assert_output "Hello from /again"
  stop_server spy TERM
  assert_equal "$(folder_state)" "$before"
}

@test "--count: the spy relays that many connections, waits for their ends, puts the file back and exits 0" {
  start_http http "$path"
  furnish_folder
  before=$(folder_state)
  start_spy spy "$path" --count 2
  run curl -s --unix-socket "$path" http://localhost/one
  assert_output "Hello from /one"
  run curl -s --unix-socket "$path" http://localhost/two
  assert_output "Hello from /two"
  wait_server spy
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log spy
  assert_line --regexp '^#1 \+[0-9.]+ closed: 76 bytes >, 140 bytes <$'
  assert_line --regexp '^#2 \+[0-9.]+ closed: 76 bytes >, 140 bytes <$'
  assert_line "Put the server's socket file back at $path" # once the second was accepted: a third client goes to the server itself
  assert_equal "$(folder_state)" "$before"
}

@test "an error ends the spy (the reader of its log has gone) and the file is back before it exits" {
  start_http http "$path"
  furnish_folder
  before=$(folder_state)
  # head takes the first two lines and exits: the spy's next line finds no reader.
  start_server spy bash -c '"$@" | head -n 2; echo "spy exited with ${PIPESTATUS[0]}"' bash "$KIT/jbang" "$KIT/scripts/spy.java" "$path"
  wait_for_output spy "^If the spy is killed with SIGKILL"
  curl -s --unix-socket "$path" http://localhost/ >/dev/null || true # its first line ends the spy; curl may get an answer or not
  wait_for_output spy "^spy exited with "
  run server_log spy
  assert_line "spy: the log cannot be written (its reader has gone): the spy ends"
  assert_line "spy exited with 1"
  assert_equal "$(folder_state)" "$before"
  run curl -s --unix-socket "$path" http://localhost/after
  assert_output "Hello from /after"
}

@test "the server stops while spied on: its socket file goes back at once, the spy ends, and a restarted server takes its path" {
  start_http http "$path"
  furnish_folder
  server_inode=$(stat -c %i "$path")
  before=$(folder_state)
  start_spy spy "$path"
  stop_server http KILL
  wait_server spy
  [ "$SERVER_STATUS" -eq 1 ]
  run server_log spy
  assert_line "The server no longer listens at $path.uds-spy-original: its socket file goes back to $path, and the spy ends"
  assert_line "Put the server's socket file back at $path"
  assert_line --index $((${#lines[@]} - 1)) "spy: the server stopped listening at $path.uds-spy-original: its socket file is back at $path, and the spy ends"
  assert_equal "$(stat -c %i "$path")" "$server_inode" # the server's own file, stale now, as the server left it
  assert_equal "$(folder_state)" "$before"
  rm "$path" # what a server does on start-up (the post's os.unlink)
  start_http http2 "$path"
  run curl -s --unix-socket "$path" http://localhost/new
  assert_output "Hello from /new"
}

@test "in place, a junixsocket server is not spied on (it would close its socket once its file is replaced); --listen spies on it" {
  furnish_folder
  start_script_server server uds server "$path" --count 0
  wait_for_output server "^Server listening on"
  before=$(folder_state)
  run_script spy "$path"
  assert_failure 1
  assert_output ""
  assert_stderr --regexp "^spy: $path's server \(pid [0-9]+, java\) uses junixsocket, which closes its socket once its file is replaced: the spy does not take its place; use --listen and point the clients there\$"
  assert_equal "$(folder_state)" "$before"
  start_spy spy "$path" --listen "$folder/spy.sock" --count 1
  run_script uds client "$folder/spy.sock" "through the spy"
  assert_success
  run_script uds client "$path" "directly"
  assert_success
  wait_for_output server "^Received data from client: directly\$"
  run server_log server
  assert_line "Received data from client: through the spy"
  wait_server spy
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "a junixsocket server that extracted its library itself (as under stock JBang) is recognised too" {
  # java run directly: no launcher's copy of the library, junixsocket maps its own /tmp/libtmpNNN... file.
  # shellcheck disable=SC2046 # java_options is a list of words
  start_server server java $(java_options uds) server "$path" --count 0
  wait_for_output server "^Server listening on"
  grep -q '/libtmp[0-9]*libjunixsocket-native' "/proc/${SERVER_PID[server]}/maps"
  before=$(folder_state)
  run --separate-stderr timeout 60 "$KIT/jbang" "$KIT/scripts/spy.java" "$path" # one that took the place would never end
  assert_failure 1
  assert_stderr --regexp "^spy: $path's server \(pid [0-9]+, java\) uses junixsocket, which closes its socket once its file is replaced: "
  assert_equal "$(folder_state)" "$before"
}

@test "a client of another user is refused: the server would take it for the spy's user; --lend-identity relays it so" {
  shared=$(mktemp -d /tmp/uds-kit-spy.XXXXXX) # a folder the user nobody may enter
  CLEANUP+=("$shared")
  chmod 755 "$shared"
  path=$shared/app.sock
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  start_peer server whoami-server "$path"
  chmod 666 "$path"
  run "${as_nobody[@]}" python3 "$FIXTURES/spy_peers.py" whoami-client "$path"
  assert_output "you are uid=$(id -u nobody) gid=$(id -g nobody)"

  start_spy spy "$path"
  run "${as_nobody[@]}" python3 "$FIXTURES/spy_peers.py" whoami-client "$path"
  assert_output "" # closed without a word: the server never saw it
  run python3 "$FIXTURES/spy_peers.py" whoami-client "$path"
  assert_output "you are uid=0 gid=0"
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ refused: client pid=[0-9]+ uid=$(id -u nobody) gid=$(id -g nobody) command=python3: the server would take it for the spy's user \(uid=0 gid=0\); --lend-identity relays it all the same\$"
  refute_line --regexp "^#1 \+[0-9.]+ open: "
  assert_line --regexp "^#2 \+[0-9.]+ open: client pid=[0-9]+ uid=0 gid=0 command=python3 -> server pid=${SERVER_PID[server]} uid=0 gid=0 command=python3\$"
  stop_server spy TERM

  start_spy spy2 "$path" --lend-identity
  run "${as_nobody[@]}" python3 "$FIXTURES/spy_peers.py" whoami-client "$path"
  assert_output "you are uid=0 gid=0" # what --lend-identity means
  stop_server spy2 TERM
}

@test "a second spy on the same path, and --restore while a spy runs, are refused and touch nothing" {
  start_http http "$path"
  start_spy spy "$path"
  during=$(folder_state)
  run_script spy "$path"
  assert_failure 1
  assert_output ""
  assert_stderr "spy: another spy on $path is running (the server's socket file is at $path.uds-spy-original): stop it first, or use --listen"
  run_script spy --restore "$path"
  assert_failure 1
  assert_stderr "spy: another spy on $path is running (the server's socket file is at $path.uds-spy-original): stop it first, or use --listen"
  assert_equal "$(folder_state)" "$during"
  run curl -s --unix-socket "$path" http://localhost/first
  assert_output "Hello from /first"
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
}

@test "many clients at once, each with its own conversation; a client that does not read holds the server back (no unbounded buffer)" {
  start_http http "$path"
  start_spy spy "$path"
  clients=()
  for i in $(seq 1 20); do
    curl -s --unix-socket "$path" "http://localhost/client-$i" >"$BATS_TEST_TMPDIR/out-$i" &
    clients+=($!)
  done
  wait "${clients[@]}"
  for i in $(seq 1 20); do
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out-$i")" "Hello from /client-$i"
  done
  wait_until "20 conversations closed" bash -c '[ "$(grep -cE "^#[0-9]+ \+[0-9.]+ closed: " "$1")" -eq 20 ]' _ "$BATS_TEST_TMPDIR/spy.log"
  assert_equal "$(grep -cE '^#[0-9]+ \+[0-9.]+ open: ' "$BATS_TEST_TMPDIR/spy.log")" 20
  stop_server spy TERM

  # A server that writes as much as it can to a client that reads nothing: the spy passes on what the
  # client's socket takes, and reads no more, so the server waits after the sockets' buffers, not after 1 GB.
  flood=$folder/flood.sock
  start_peer flood flood-server "$flood"
  start_spy spy2 "$flood"
  start_server idle python3 -u "$FIXTURES/spy_peers.py" idle-client "$flood"
  wait_for_output flood "^wrote [0-9]+ bytes before a write waited 2 s\$"
  written=$(sed -n 's/^wrote \([0-9]*\) bytes.*/\1/p' "$BATS_TEST_TMPDIR/flood.log")
  [ "$written" -lt 4000000 ] || fail "the server wrote $written bytes through the spy to a client that reads nothing"
}

@test "descriptors passed with SCM_RIGHTS go through: fd-passing's receiver reads the file; the log names it" {
  file=$BATS_TEST_TMPDIR/note.txt
  echo "passed along" >"$file"
  name=$(unique fd)
  start_script_server receiver fd-passing receive "@$name"
  wait_for_output receiver "^Receiver listening on @$name\$"
  start_spy spy "@$name" --listen "@$name-spy"

  run_script fd-passing send "@$name-spy" "$file"
  assert_success
  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_line --regexp "^Received file descriptor ([0-9]+): /proc/self/fd/\1 -> $file\$"
  assert_line --regexp '^Read through file descriptor [0-9]+: passed along\\n$'
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ > ${#file} bytes and 1 descriptor \[$file\]: $file\$"
  assert_line --regexp "^#1 \+[0-9.]+ closed: ${#file} bytes >, 0 bytes <\$"
}

@test "SOCK_SEQPACKET through the spy in place: each record whole, none merged or split, both ways" {
  start_peer server seqpacket-server "$path"
  run python3 "$FIXTURES/spy_peers.py" seqpacket-client "$path" 1 3 1000 100000 7
  assert_success
  direct=$output
  [ "${#lines[@]}" -eq 5 ]

  start_spy spy "$path"
  grep -qF "Spy listening on $path (SOCK_SEQPACKET, " "$BATS_TEST_TMPDIR/spy.log"
  run python3 "$FIXTURES/spy_peers.py" seqpacket-client "$path" 1 3 1000 100000 7
  assert_success
  assert_output "$direct"
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
  run server_log spy
  for size in 1 3 1000 100000 7; do
    [ "$(grep -cE "^#1 \+[0-9.]+ > $size bytes?[:,]" "$BATS_TEST_TMPDIR/spy.log")" -eq 1 ]
    [ "$(grep -cE "^#1 \+[0-9.]+ < $size bytes?[:,]" "$BATS_TEST_TMPDIR/spy.log")" -eq 1 ]
  done
  assert_line --regexp '^#1 \+[0-9.]+ > end: the client sends no more; passed on by closing both ends \(SOCK_SEQPACKET\)$'
  stop_server spy TERM
  [ ! -e "$path.uds-spy-original" ]
}

@test "datagrams through the spy in place: each whole, and the server's answers come back to their sender" {
  start_peer server datagram-server "$path"
  run python3 "$FIXTURES/spy_peers.py" datagram-client "$path" "$folder/client.sock" 5 1 40000 300
  assert_success
  direct=$output
  assert_line --index 0 --partial "the datagram in upper case"

  run_script spy "$path" --count 1
  assert_failure 2
  assert_stderr "spy: --count counts connections, and $path is a datagram socket: it has none"
  run_script spy "$path"
  assert_failure 2
  assert_stderr "spy: $path is a datagram socket: the spy cannot tell who sends a datagram (there is no SO_PEERCRED for one), and the server would take every sender for the spy's user; --lend-identity spies on it all the same"
  start_spy spy "$path" --lend-identity
  run server_log spy
  assert_line --index 0 --partial "Spy listening on $path (SOCK_DGRAM, "
  run python3 "$FIXTURES/spy_peers.py" datagram-client "$path" "$folder/client.sock" 5 1 40000 300
  assert_success
  assert_output "$direct"
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ sender $folder/client\.sock: its datagrams go on from @uds-spy-[0-9a-f]{16}\$" # a name no one can guess
  for size in 5 1 40000 300; do
    [ "$(grep -cE "^#1 \+[0-9.]+ > $size bytes?[:,]" "$BATS_TEST_TMPDIR/spy.log")" -eq 1 ]
    [ "$(grep -cE "^#1 \+[0-9.]+ < $size bytes?[:,]" "$BATS_TEST_TMPDIR/spy.log")" -eq 1 ]
  done
  stop_server spy TERM
  run server_log spy
  assert_line "Put the server's socket file back at $path"
  assert_equal "$(ls "$folder")" "app.sock"
}

@test "datagram senders the spy cannot relay cost it no descriptor" {
  start_peer server datagram-server "$path"
  start_spy spy "$path" --listen "$folder/spy.sock" --lend-identity
  stop_server server KILL # from now on the spy's connect() to the server is refused
  spy=${SERVER_PID[spy]}
  before=$(ls "/proc/$spy/fd" | wc -l)
  python3 -c '
import socket, sys
for i in range(50):
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender.bind("\0" + sys.argv[2] + str(i))
    sender.sendto(b"hello", sys.argv[1])' "$folder/spy.sock" "$(unique sender)"
  wait_until "50 refused senders" bash -c '[ "$(grep -c " error: " "$1")" -ge 50 ]' _ "$BATS_TEST_TMPDIR/spy.log"
  after=$(ls "/proc/$spy/fd" | wc -l)
  [ "$after" -le $((before + 2)) ] || fail "the spy holds $((after - before)) more descriptors after 50 senders it could not relay"
}

@test "a descriptor in flight when the server's end fails is closed: the pipe's reader sees its end" {
  start_peer server closing-server "$path"
  start_spy spy "$path"
  run python3 "$FIXTURES/spy_peers.py" fd-sender "$path"
  assert_output "the pipe's reader sees its end"
  run server_log spy
  assert_line --regexp "^#1 \+[0-9.]+ > 1 byte and 1 descriptor \[pipe:\[[0-9]+\]\]: x\$"
}

# opened_at_least N: the spy's log has N connections opened (or more).
opened_at_least() {
  [ "$(grep -c ' open: ' "$BATS_TEST_TMPDIR/spy.log")" -ge "$1" ]
}

@test "a flood of idle clients: at most --max-clients are relayed at once (two threads each), the rest wait in the listen queue" {
  start_http http "$path"
  start_spy spy "$path" --max-clients 8
  spy=${SERVER_PID[spy]}
  start_server flood python3 -c '
import signal, socket, sys
held = []
for _ in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
        held.append(s)
    except (BlockingIOError, ConnectionRefusedError):
        s.close()
print("connected", len(held), flush=True)
signal.pause()' "$path"
  wait_for_output flood "^connected "
  wait_for_output spy "^8 connections at once \(--max-clients\): the next wait in the listen queue\$"
  # Each relay says "open" once it reaches the server, on its own thread: after the line above.
  wait_until "the spy says 8 connections are open" opened_at_least 8
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$spy/status")
  [ "$threads" -le 60 ] || fail "$threads threads for 8 connections at once"
  [ "$(grep -c ' open: ' "$BATS_TEST_TMPDIR/spy.log")" -eq 8 ]
  stop_server flood
  run curl -s --unix-socket "$path" http://localhost/after
  assert_output "Hello from /after"
}

@test "--json: one JSON object per event, whose data reads back to the bytes; --hex dumps; --max-bytes cuts the display only" {
  name=$(unique http)
  start_http http "@$name"
  direct=$(curl -si --abstract-unix-socket "$name" http://localhost/json)

  start_spy spy "@$name" --listen "@$name-spy" --json
  run curl -si --abstract-unix-socket "$name-spy" http://localhost/json
  assert_output "$direct"
  wait_for_output spy '"event":"close"'
  run python3 -c '
import json, subprocess, sys
events = [json.loads(line) for line in open(sys.argv[1])]
print(" ".join(event["event"] for event in events))
first = events[0]
print(first["address"], first["server"], first["type"], first["in_place"])
opened = next(event for event in events if event["event"] == "open")
print(opened["client"]["command"], opened["server"]["pid"] == int(sys.argv[2]))
reply = b"".join(subprocess.run([sys.executable, sys.argv[3], "-"], input=event["data"].encode(), capture_output=True, check=True).stdout
                 for event in events if event["event"] == "data" and event["dir"] == "<")
sys.stdout.buffer.write(reply)' "$BATS_TEST_TMPDIR/spy.log" "${SERVER_PID[http]}" "$FIXTURES/unescape.py"
  assert_success
  assert_line --index 0 --regexp '^listening open data .*close$'
  [ "$(grep -o ' end' <<<"${lines[0]}" | wc -l)" -eq 2 ]
  assert_line --index 1 "@$name-spy @$name SOCK_STREAM False"
  assert_line --index 2 "curl True"
  assert_equal "$(sed 1,3d <<<"$output")" "$direct"
  stop_server spy TERM

  start_spy spy2 "@$name" --listen "@$name-spy" --hex --max-bytes 20
  run curl -si --abstract-unix-socket "$name-spy" http://localhost/json
  assert_output "$direct"
  wait_for_output spy2 ' closed: '
  run server_log spy2
  assert_line --regexp '^#1 \+[0-9.]+ > 77 bytes, the first 20 shown:$'
  assert_line '    0000  47 45 54 20 2f 6a 73 6f 6e 20 48 54 54 50 2f 31  GET /json HTTP/1'
  assert_line --regexp '^    0010  2e 31 0d 0a +\.1\.\.$'
}

@test "bad input is one line and exit 2; a path that is not a live socket is refused with exit 1, and nothing is touched" {
  start_listener other "$folder/other.sock"
  make_stale_socket "$folder/stale.sock"
  echo "not a socket" >"$folder/file.txt"
  ln -s other.sock "$folder/link.sock"
  before=$(folder_state)
  long=/tmp/$(printf 'x%.0s' $(seq 1 86)).sock # 96 bytes: it fits in sun_path, and the name it would be moved to does not
  for case in \
    "2|spy: Missing required parameter: 'ADDRESS'|" \
    "2|spy: an abstract name cannot be taken from a live server: give the spy an address of its own with --listen, and point the clients there|@$(unique none)" \
    "2|spy: ADDRESS and --listen must be @NAME or a path, in 1 to 107 bytes, and --max-bytes and --count 0 or more|$folder/other.sock --max-bytes -1" \
    "2|spy: ADDRESS and --listen must be @NAME or a path, in 1 to 107 bytes, and --max-bytes and --count 0 or more|$folder/other.sock --count -1" \
    "2|spy: the path is too long to be moved aside ($long.uds-spy-original must fit in 107 bytes): use --listen|$long" \
    "2|spy: --restore puts a moved socket file back: it takes no --listen|$folder/other.sock --restore --listen @x" \
    "1|spy: $folder/file.txt is not a socket file: left untouched|$folder/file.txt" \
    "1|spy: $folder/link.sock is not a socket file: left untouched|$folder/link.sock" \
    "1|spy: $folder/missing.sock does not exist|$folder/missing.sock" \
    "1|spy: $folder/stale.sock is not a live socket: Connection refused (no socket is bound to it)|$folder/stale.sock" \
    "1|spy: @$(unique none) is not a live socket: no socket is bound to that name|@$(unique none) --listen @$(unique spy)" \
    "1|spy: $folder/other.sock is a live socket: left untouched|$folder/other.sock --listen $folder/other.sock"; do
    IFS='|' read -r status expected arguments <<<"$case"
    # shellcheck disable=SC2086 # the arguments are words
    run_script spy $arguments
    assert_failure "$status"
    assert_output ""
    # shellcheck disable=SC2154 # run_script (helpers.bash) runs `run --separate-stderr`, which sets it
    assert_equal "$stderr" "$expected"
  done
  assert_equal "$(folder_state)" "$before"
}

@test "uds spy is the same command; the bench's spy row measures through it and leaves nothing behind" {
  run_script uds spy --help
  assert_success
  assert_line --index 0 --regexp '^Usage: uds spy '
  run_script uds --help
  assert_line --regexp '^ +spy +Shows the bytes between clients and a server on a unix'

  export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
  run_script bench --only pathname,spy --duration 0.2 --warmup 0
  assert_success
  assert_stderr ""
  assert_line --regexp '^pathname +[0-9]+ +1\.00 +[0-9]+ +1\.00$'
  assert_line --regexp '^spy +[1-9][0-9]* +[0-9]+\.[0-9]{2} +[0-9]+ +[0-9]+\.[0-9]{2}$'
  folder_of_run=$(sed -n 's|^sockets: \(/.*\)/ (removed at the end), @.*|\1|p' <<<"$output")
  assert [ ! -e "$folder_of_run" ]
  run pgrep -f -- "$folder_of_run/"
  assert_failure
}

# bats test_tags=jdk-neutral
@test "spy.java copied alone runs with stock JBang, and curl goes through it" {
  use_stock_jbang
  name=$(unique http)
  start_http http "@$name"
  cd "$(copy_alone spy)"
  run --separate-stderr jbang spy.java --version
  assert_output "uds-kit 0.1.0"
  start_server spy jbang spy.java "@$name" --listen "@$name-spy" --count 1
  wait_for_output spy "^Spy listening on @$name-spy "
  run curl -s --abstract-unix-socket "$name-spy" http://localhost/alone
  assert_output "Hello from /alone"
  wait_server spy
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log spy
  assert_line --regexp '^#1 \+[0-9.]+ closed: 78 bytes >, 142 bytes <$'
}
