#!/usr/bin/env bats
# The inspector against the kernel's other witnesses: `ss -x -a -p`, `ss -xe`, /proc/PID/fd and
# /proc/net/unix. The zoo (fixtures/socket_zoo.py) holds sockets of every kind in two processes.

load helpers

start_zoo() {
  prefix=$(unique zoo)
  start_server zoo python3 "$FIXTURES/socket_zoo.py" "$prefix" "$BATS_TEST_TMPDIR"
  wait_for_output zoo "^ready [0-9]+\$"
  zoo=${SERVER_PID[zoo]}
  kid=$(sed -n 's/^ready //p' "$BATS_TEST_TMPDIR/zoo.log")
  p="\"python3\",pid=$zoo,fd=[0-9]+"
  k="\"zoo kid\",pid=$kid,fd=[0-9]+"
}

@test "every socket of the zoo shows as ss -x -a -p and ss -xe show it: type, state, queues, name, inode, peer, owners, file" {
  start_zoo
  run_script inspector --json
  assert_success
  assert_stderr ""
  echo "$output" >"$BATS_TEST_TMPDIR/inspector.json"
  ss -x -a -p >"$BATS_TEST_TMPDIR/ss.txt"
  ss -xe -a >"$BATS_TEST_TMPDIR/ss-e.txt"

  run python3 "$FIXTURES/compare_with_ss.py" "$BATS_TEST_TMPDIR/inspector.json" "$BATS_TEST_TMPDIR/ss.txt" "$BATS_TEST_TMPDIR/ss-e.txt" "$zoo,$kid"
  assert_success
  assert_line "27 sockets compared"
  assert_line "u_str LISTEN $BATS_TEST_TMPDIR/$prefix.sock $(ss_inode "$BATS_TEST_TMPDIR/$prefix.sock"): same as ss"
  assert_line --regexp "^u_str LISTEN @$prefix-abstract [0-9]+: same as ss\$"
  assert_line --regexp "^u_str ESTAB @$prefix-abstract [0-9]+: same as ss\$"
  assert_line --regexp "^u_str UNCONN @$prefix-nul\\\\x00inside\\\\x00 [0-9]+: same as ss\$"
  assert_line --regexp "^u_str UNCONN @$prefix-new\\\\nline [0-9]+: same as ss\$"
  assert_line --regexp "^u_str UNCONN @$prefix-with space [0-9]+: same as ss\$"
  assert_line --regexp "^u_dgr [A-Z]+ @$prefix-datagram [0-9]+: same as ss\$"
  assert_line --regexp "^u_seq LISTEN @$prefix-seqpacket [0-9]+: same as ss\$"
  assert_line --regexp "^u_seq ESTAB @$prefix-seqpacket [0-9]+: same as ss\$"
  [ "$(grep -c '^u_str ESTAB \* ' <<<"$output")" -eq 7 ] # 2 socketpairs, the accepted client, the 2 waiting
}

@test "the queues: a listener's waiting clients and backlog, bytes nobody has read" {
  start_zoo
  run_script inspector "^@$prefix-(abstract|datagram)\$"
  assert_success
  assert_line --index 0 --regexp "^Netid +State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process\$"
  assert_line --regexp "^u_str +LISTEN +2 +7 +@$prefix-abstract [0-9]+ +\* 0 +$p\$"
  assert_line --regexp "^u_str +ESTAB +5 +0 +@$prefix-abstract [0-9]+ +\* [0-9]+ +$p\$" # "hello", unread
  assert_line --regexp "^u_dgr +[A-Z]+ +8 +0 +@$prefix-datagram [0-9]+ +\* 0 +$p\$" # the first datagram's length
  [ "${#lines[@]}" -eq 4 ]
}

@test "a name holding a newline and a forged row is one socket, shown whole: no LISTEN socket @...-forged" {
  start_zoo
  forged="0: 2 0 10000 1 1 12345 @$prefix-forged"
  # /proc/net/unix, read as text, has a row for the forged socket.
  run grep -c " 12345 @$prefix-forged\$" /proc/net/unix
  assert_output 1

  run_script inspector "$prefix-forge"
  assert_success
  [ "${#lines[@]}" -eq 2 ]
  assert_line --index 1 --regexp "^u_str +UNCONN +0 +0 +@$prefix-forge\\\\n$forged [0-9]+ +\* 0 +$p\$"
  run_script inspector --json "$prefix-forge"
  run python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])' <<<"$output"
  run python3 "$FIXTURES/unescape.py" - <<<"$output"
  assert_output "@$prefix-forge
$forged" # the exact bytes, the newline included

  run_script inspector --listening "@$prefix-forged"
  assert_success
  [ "${#lines[@]}" -eq 1 ] # the header alone
  run_script inspector --wait=1 --listening "@$prefix-forged"
  assert_failure 1
  assert_stderr "inspector: no socket matched within 1 second"
}

@test "--proc reads /proc/net/unix, says so in one line on stderr, and is fooled by the forged row there" {
  start_zoo
  run_script inspector --proc --pid "$zoo" --listening
  assert_success
  # shellcheck disable=SC2154 # run_script (helpers.bash) runs `run --separate-stderr`, which sets it
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr "inspector: reading /proc/net/unix (--proc): names may be ambiguous there (a name may hold a newline and a forged row; a NUL shows as @), and peers and queues are unknown"
  assert_line --regexp "^u_str +LISTEN +\? +\? +@$prefix-abstract [0-9]+ +\* \? +$p\$"
  assert_line --regexp "^u_seq +LISTEN +\? +\? +@$prefix-seqpacket [0-9]+ +\* \? +$p\$"
  run_script inspector --proc "$prefix-(forge|nul)"
  assert_line --regexp "^u_str +LISTEN +\? +\? +@$prefix-forged 12345 +\* \? +-\$"
  assert_line --regexp "^u_str +UNCONN +\? +\? +@$prefix-nul@inside@ [0-9]+ +\* \? +$p\$"
}

@test "where netlink cannot be used (here: JNA finds no native library), it falls back to /proc/net/unix and says why" {
  start_zoo
  classpath=$(classpath_of inspector)
  run --separate-stderr "$RUN_JAVA" --enable-native-access=ALL-UNNAMED -Djna.nosys=true -Djna.noclasspath=true \
    -cp "$classpath" Inspector --listening "@$prefix-abstract"
  assert_success
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr --regexp "^inspector: reading /proc/net/unix \(netlink unavailable: .+\): names may be ambiguous there"
  assert_line --regexp "^u_str +LISTEN +\? +\? +@$prefix-abstract [0-9]+ +\* \? +$p\$"
}

@test "--peers: each connection once with both processes; socketpairs, clients not yet accepted, a datagram connect()" {
  start_zoo
  run_script inspector --peers --pid "$kid"
  assert_success
  assert_line --index 0 --regexp "^Netid +State +Address:Port +Process +Peer Address:Port +Peer Process\$"
  assert_line --regexp "^u_str +ESTAB +@$prefix-abstract [0-9]+ +$p +<-> +\* [0-9]+ +$k\$"
  assert_line --regexp "^u_seq +ESTAB +@$prefix-seqpacket [0-9]+ +$p +<-> +\* [0-9]+ +$k\$"
  assert_line --regexp "^u_str +ESTAB +\* [0-9]+ +$p +<-> +\* [0-9]+ +$k +socketpair\$"
  assert_line --regexp "^u_dgr +[A-Z]+ +@$prefix-datagram [0-9]+ +$p +<-- +\* [0-9]+ +$k\$"
  [ "$(grep -cE "^u_str +LISTEN +@$prefix-abstract [0-9]+ +$p +<-- +\* [0-9]+ +$k +not yet accepted\$" <<<"$output")" -eq 2 ]
  [ "${#lines[@]}" -eq 7 ]

  # The ends are the ones ss pairs: the server's end lists the client's inode as its peer.
  read -r server client < <(sed -nE "s/^u_str +ESTAB +@$prefix-abstract ([0-9]+) .* <-> +\* ([0-9]+) .*/\1 \2/p" <<<"$output")
  run ss -x -a
  assert_line --regexp "^u_str +ESTAB .* @$prefix-abstract $server +\* $client *\$"
  assert_line --regexp "^u_str +ESTAB .* \* $client +\* $server *\$"

  run_script inspector --peers --pid "$zoo" '^\*$'
  [ "$(grep -cE "^u_(str|dgr|seq) +ESTAB +\* [0-9]+ +$p +<-> +\* [0-9]+ +$p +socketpair\$" <<<"$output")" -eq 3 ]
}

@test "a pathname socket whose file was removed or replaced is marked: clients get ENOENT, or another file" {
  start_zoo
  run_script inspector --listening --pathname --pid "$zoo"
  assert_success
  assert_line --regexp "^u_str +LISTEN +0 +5 +$BATS_TEST_TMPDIR/$prefix.sock [0-9]+ +\* 0 +$p\$"
  assert_line --regexp "^u_str +LISTEN +0 +128 +$BATS_TEST_TMPDIR/$prefix-gone.sock [0-9]+ +\* 0 +$p  \[file gone\]\$"
  assert_line --regexp "^u_str +LISTEN +0 +128 +$BATS_TEST_TMPDIR/$prefix-replaced.sock [0-9]+ +\* 0 +$p  \[file replaced\]\$"
  run_script inspector --json --listening --pathname --pid "$zoo"
  run python3 -c 'import json, sys; print(sorted((s["address"].rsplit("/")[-1], s["file"]["now"]) for s in json.load(sys.stdin)))' <<<"$output"
  assert_output "[('$prefix-gone.sock', 'gone'), ('$prefix-replaced.sock', 'replaced'), ('$prefix.sock', 'same')]"
  # What a client meets there, while the server listens all the same.
  run python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$BATS_TEST_TMPDIR/$prefix-gone.sock"
  assert_output --partial "FileNotFoundError"
  run python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$BATS_TEST_TMPDIR/$prefix-replaced.sock"
  assert_output --partial "ConnectionRefusedError"
}

@test "names, process names and file names are printed escaped: no byte can move the cursor or start a row" {
  start_zoo
  odd=$(printf 'odd\nfile\033[2J\x9b')
  start_server evil python3 -c '
import signal, socket, sys
with open("/proc/self/comm", "wb") as comm:
    comm.write(b"e\x1b[2J\n\x07x")
s = socket.socket(socket.AF_UNIX)
s.bind(b"\0" + sys.argv[1].encode() + b"-evil\r\x1b[1A\x1b[2K\xe2\x80\xae")
held = open(sys.argv[2], "w")
print("ready", flush=True)
signal.pause()' "$prefix" "$BATS_TEST_TMPDIR/$odd"
  wait_for_output evil "^ready\$"
  evil=${SERVER_PID[evil]}
  "$KIT/jbang" "$KIT/scripts/inspector.java" --pid "$zoo" >"$BATS_TEST_TMPDIR/zoo.txt"
  "$KIT/jbang" "$KIT/scripts/inspector.java" --pid "$evil" >"$BATS_TEST_TMPDIR/evil.txt"
  "$KIT/jbang" "$KIT/scripts/inspector.java" --fd "$evil" >"$BATS_TEST_TMPDIR/fd.txt"
  "$KIT/jbang" "$KIT/scripts/inspector.java" --peers --pid "$kid" >"$BATS_TEST_TMPDIR/peers.txt"
  # Printable text only: no control byte but the newline that ends each line, no C1 control, no U+202E.
  run python3 -c '
import sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    text = data.decode("utf-8")
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0 or c == "\u202e"]
    print(name.rsplit("/")[-1], "clean" if not bad else bad)' "$BATS_TEST_TMPDIR"/{zoo,evil,fd,peers}.txt
  assert_output "zoo.txt clean
evil.txt clean
fd.txt clean
peers.txt clean"
  # One row a socket: every line after the header starts a row.
  run grep -vcE '^(Netid|u_(str|dgr|seq)) ' "$BATS_TEST_TMPDIR/zoo.txt"
  assert_output 0
  [ "$(wc -l <"$BATS_TEST_TMPDIR/zoo.txt")" -eq 22 ] # the header and the server's 21 sockets
  run cat "$BATS_TEST_TMPDIR/evil.txt"
  assert_line --index 1 --regexp "^u_str +UNCONN +0 +0 +@$prefix-evil\\\\x0d\\\\x1b\[1A\\\\x1b\[2K\\\\u\{202e\} [0-9]+ +\* 0 +\"e\\\\x1b\[2J\\\\n\\\\x07x\",pid=$evil,fd=3\$"
  # The file name reads back exactly.
  target=$(awk '$1 == 4 { sub(/^4 +/, ""); print }' "$BATS_TEST_TMPDIR/fd.txt")
  run python3 "$FIXTURES/unescape.py" - <<<"$target"
  assert_output "$BATS_TEST_TMPDIR/$odd"
}

@test "a process name cannot forge an owner: it is quoted as ss quotes it, and a quote in it is escaped" {
  name=$(unique forged)
  # comm is 15 bytes at most: a quote, and text shaped like the end of one owner and the start of another.
  start_server forger python3 -c '
import signal, socket, sys
with open("/proc/self/comm", "w") as comm:
    comm.write("a\",pid=1,fd=5 \"")
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1])
s.listen()
print("ready", flush=True)
signal.pause()' "$name"
  wait_for_output forger "^ready\$"
  run_script inspector --listening "@$name"
  assert_success
  assert_line --index 1 --regexp "^u_str +LISTEN +0 +128 +@$name [0-9]+ +\* 0 +\"a\\\\x22,pid=1,fd=5 \\\\x22\",pid=${SERVER_PID[forger]},fd=3\$"
  # Read as ss's users: one owner, the real one.
  run python3 -c 'import re, sys; print(re.findall(r"\"(?:[^\"\\]|\\.)*\",pid=(\d+),fd=\d+", sys.stdin.read().split("\n")[1]))' <<<"$output"
  assert_output "['${SERVER_PID[forger]}']"
}

@test "processes that end while their descriptors are read do not end the inspector: 100 redraws of --watch among short-lived socket holders" {
  name=$(unique churn)
  # One socket the watch matches (so every redraw scans every /proc/PID/fd), and children that each
  # hold a socketpair for a moment, one after the other, as fast as they can.
  start_server churn python3 -c '
import os, socket, sys
held = socket.socket(socket.AF_UNIX)
held.bind("\0" + sys.argv[1])
print("ready", flush=True)
while True:
    child = os.fork()
    if child == 0:
        pair = socket.socketpair()
        os._exit(0)
    os.waitpid(child, 0)' "$name"
  wait_for_output churn "^ready\$"
  start_script_server watch inspector --watch 0.001 "@$name"
  wait_until "100 redraws" bash -c '[ "$(grep -ac "Every 0.001s" "$1")" -ge 100 ] || ! kill -0 "$2"' _ "$BATS_TEST_TMPDIR/watch.log" "${SERVER_PID[watch]}"
  kill -0 "${SERVER_PID[watch]}" || fail "the inspector ended: $(tail -c 300 "$BATS_TEST_TMPDIR/watch.log")"
  stop_server watch
  run grep -ac "inspector:" "$BATS_TEST_TMPDIR/watch.log"
  assert_output 0
}

@test "the filters: --listening, --abstract, --pathname, --pid and a pattern" {
  start_zoo
  run_script inspector --pid "$zoo" --listening
  assert_success
  [ "${#lines[@]}" -eq 6 ] # the header; the pathname, gone, replaced, abstract and seqpacket listeners
  run_script inspector --pid "$zoo" --abstract --listening
  [ "${#lines[@]}" -eq 3 ]
  refute_output --partial ".sock"
  run_script inspector --pid "$zoo" --pathname
  [ "${#lines[@]}" -eq 4 ]
  run_script inspector "$prefix-(datagram|seqpacket)"
  [ "${#lines[@]}" -eq 4 ] # the header, the datagram socket, the seqpacket listener and its accepted end (the name is the listener's)
  run_script inspector --pid "$kid"
  [ "${#lines[@]}" -eq 7 ]
  run_script inspector --connected "@$prefix-(abstract|seqpacket)\$"
  [ "${#lines[@]}" -eq 3 ] # the header, the accepted stream and seqpacket ends
  assert_line --regexp "^u_str +ESTAB +5 +0 +@$prefix-abstract "
  refute_line --regexp " (LISTEN|UNCONN) "
}

@test "--fd PID lists what ls -l /proc/PID/fd lists, each socket explained with its peer" {
  start_zoo
  run_script inspector --fd "$kid"
  assert_success
  assert_line --index 0 --regexp "^FD +Target +Socket\$"
  while read -r fd target; do
    assert_line --regexp "^$fd +$(sed 's/[][\.*^$]/\\&/g' <<<"$target")( |\$)"
  done < <(ls -l "/proc/$kid/fd" | awk 'NR > 1 { print $9, $11 }')
  assert_line --regexp "^[0-9]+ +socket:\[[0-9]+\] +u_str ESTAB \*  <->  @$prefix-abstract [0-9]+ $p\$"
  assert_line --regexp "^[0-9]+ +socket:\[[0-9]+\] +u_str ESTAB \*  <->  \* [0-9]+ $p\$" # its socketpair end
  run_script inspector --fd "$zoo"
  assert_line --regexp "^[0-9]+ +socket:\[[0-9]+\] +u_str LISTEN @$prefix-abstract  <--  2 not yet accepted\$"
}

@test "--json is JSON that a real parser reads, with every field" {
  start_zoo
  run_script inspector --json --abstract --listening --pid "$zoo"
  assert_success
  run python3 -c 'import json, sys
for s in sorted(json.load(sys.stdin), key=lambda s: s["address"]):
    print(s["netid"], s["state"], s["recv_q"], s["send_q"], s["address"], s["abstract"], s["peer"], len(s["pending"]), s["uid"], s["file"], [o["name"] for o in s["owners"]], s["owners_complete"])' <<<"$output"
  assert_output "u_str LISTEN 2 7 @$prefix-abstract True 0 2 0 None ['python3'] True
u_seq LISTEN 0 128 @$prefix-seqpacket True 0 0 0 None ['python3'] True"
  run_script inspector --json --peers --pid "$kid"
  run python3 -c 'import json, sys; print(sorted((c["link"], c["note"] or "") for c in json.load(sys.stdin)))' <<<"$output"
  assert_output "[('<--', ''), ('<--', 'not yet accepted'), ('<--', 'not yet accepted'), ('<->', ''), ('<->', ''), ('<->', 'socketpair')]"
  run_script inspector --json --fd "$zoo"
  run python3 -c 'import json, sys; print(all("fd" in e and "target" in e for e in json.load(sys.stdin)))' <<<"$output"
  assert_output "True"
}

# True when a complete screen of the watch log shows NAME and a later complete screen does not.
watch_saw_vanish() {
  awk -v name="$1" '
    /Every .*until stopped/ { if (started) { if (index(screen, name)) shown = 1; else if (shown) gone = 1 }
                               started = 1; screen = ""; next }
    { screen = screen $0 "\n" }
    END { exit !gone }' "$BATS_TEST_TMPDIR/watch.log"
}

@test "--watch redraws: a socket appears, then vanishes" {
  name=$(unique watched)
  start_script_server watch inspector --watch 0.2 "$name"
  wait_for_output watch "^Netid"
  start_listener listener "@$name"
  wait_for_output watch "@$name"
  stop_server listener
  wait_until "the name vanishes from the watched screen" watch_saw_vanish "@$name"
}

@test "as nobody (setpriv), from a world-readable copy: netlink answers all the same, owners of root's sockets are ?" {
  start_zoo
  classpath=$(readable_classpath inspector)
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env HOME="$BATS_TEST_TMPDIR" "${JAVA_FOR_NOBODY[@]}" -cp "$classpath" Inspector "^@$prefix-abstract\$"
  assert_success
  assert_stderr "" # no fallback, no warning
  assert_line --regexp "^u_str +LISTEN +2 +7 +@$prefix-abstract [0-9]+ +\* 0 +\?\$"
  assert_line --regexp "^u_str +ESTAB +5 +0 +@$prefix-abstract [0-9]+ +\* [0-9]+ +\?\$"
}

# JBang as its jar runs it, nothing else: the launcher protocol (exit 255: run the printed command).
stock_jbang() {
  local out status
  out=$("$RUN_JAVA" -jar "${JBANG_REPO:-$HOME/.m2/repository}/dev/jbang/jbang-cli/0.132.1/jbang-cli-0.132.1-all.jar" "$@") && status=0 || status=$?
  if [ "$status" -eq 255 ]; then
    eval "exec $out"
  fi
  printf '%s\n' "$out"
  return "$status"
}

# bats test_tags=jdk-neutral
@test "copied alone into an empty folder, it runs with stock JBang, as root: the same rows, no warning" {
  start_zoo
  mkdir "$BATS_TEST_TMPDIR/alone"
  cp "$KIT/scripts/inspector.java" "$BATS_TEST_TMPDIR/alone/"
  cd "$BATS_TEST_TMPDIR/alone"
  run --separate-stderr bash -c "$(declare -f stock_jbang); RUN_JAVA='$RUN_JAVA'; JBANG_NO_VERSION_CHECK=true stock_jbang inspector.java --peers --pid $kid"
  assert_success
  refute_stderr --regexp "(WARNING|[Ww]arning)"
  assert_line --regexp "^u_str +ESTAB +@$prefix-abstract [0-9]+ +$p +<-> +\* [0-9]+ +$k\$"
  [ "${#lines[@]}" -eq 7 ]
}

# True once PID is the inspector's own JVM (JBang has handed over to it), not JBang's launcher.
inspector_runs() {
  tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qx Inspector
}

@test "--wait waits for a server that starts after it, then lists it and exits 0" {
  name=$(unique waited)
  start_script_server waiter inspector --wait=60 --listening "@$name"
  wait_until "the inspector's JVM runs" inspector_runs "${SERVER_PID[waiter]}"
  run server_log waiter
  assert_output "" # no socket matches yet, so nothing is listed
  start_listener listener "@$name"
  wait_server waiter
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log waiter
  assert_line --index 0 --regexp "^Netid +State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process\$"
  assert_line --index 1 --regexp "^u_str +LISTEN +0 +128 +@$name [0-9]+ +\* 0 +\"python3\",pid=${SERVER_PID[listener]},fd=[0-9]+\$"
  [ "${#lines[@]}" -eq 2 ]
}

@test "--wait with a match already there lists it at once, as without --wait; the pattern may follow --wait" {
  name=$(unique there)
  start_listener listener "@$name"
  run_script inspector "@$name"
  assert_success
  expected=$output
  [ "${#lines[@]}" -eq 2 ]
  run_script inspector --wait "@$name" # @name is the pattern: seconds go only as --wait=SECONDS
  assert_success
  assert_output "$expected"
  run_script inspector --json --wait=5 --pid "${SERVER_PID[listener]}" "@$name"
  assert_success
  run python3 -c 'import json, sys; print([s["address"] for s in json.load(sys.stdin)])' <<<"$output"
  assert_output "['@$name']"
}

@test "--wait --pid: a process that is gone (a server that failed) ends the wait at once, exit 1" {
  sleep 0 &
  gone=$!
  wait "$gone"
  run_script inspector --wait=60 --listening --pid "$gone" "@$(unique never)"
  assert_failure 1
  assert_output ""
  assert_stderr "inspector: process $gone is not running, and no socket of its matched"
}

@test "--wait=SECONDS gives up after SECONDS (a minute without them, as --help says): one line on stderr, exit 1, and no core kept busy meanwhile" {
  # A minute, not 10 s: a README session's server, started while the machine was busy, listened too late for 10.
  run_script inspector --help
  assert_equal "$(option_help '--wait[=SECONDS]')" "--wait[=SECONDS] Wait until at least one socket matches (up to SECONDS, default 60: --wait=SECONDS), then list as usual; exit 1 with one line on stderr if none did, or at once if the process --pid names ended."

  name=$(unique nobody-listens)
  TIMEFORMAT='%U %S'
  start=$(date +%s%N)
  { time run_script inspector --wait=3 "@$name"; } 2>"$BATS_TEST_TMPDIR/cpu"
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  assert_failure 1
  assert_output ""
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr "inspector: no socket matched within 3 seconds"
  [ "$elapsed_ms" -ge 3000 ]
  # CPU time of the inspector's JVM (through ./jbang, warm): starting it takes well under a second;
  # three seconds of a loop that polls without pausing would take about three, even on a busy machine.
  read -r user system <"$BATS_TEST_TMPDIR/cpu"
  cpu_ms=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%d", (u + s) * 1000 }')
  [ "$cpu_ms" -lt 2000 ] || fail "the inspector used ${cpu_ms} ms of CPU in ${elapsed_ms} ms: it polls too eagerly"
}

@test "bad seconds for --watch or --wait, or --wait with --fd or --watch: one line, exit 2" {
  for arguments in "--watch 0" "--watch NaN" "--watch -1" "--watch=1e9" "--wait=0" "--wait=NaN" "--wait=-1" "--wait=Infinity"; do
    option=${arguments%%[ =]*}
    value=${arguments#*[ =]}
    # shellcheck disable=SC2086 # the option and its value are two words, or one
    run_script inspector $arguments x
    assert_failure 2
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 1
    shown=$value
    [ "$value" != 1e9 ] || shown=1000000000
    assert_stderr "inspector: $option takes a number of seconds over 0 (at most 86400), not $shown"
  done
  run_script inspector --wait=soon x
  assert_failure 2
  assert_stderr "inspector: Invalid value for option '--wait': 'soon' is not a double"
  run_script inspector --wait --fd 1
  assert_failure 2
  assert_stderr "inspector: --wait lists sockets once: it goes with neither --fd nor --watch"
  run_script inspector --wait --watch
  assert_failure 2
  assert_stderr "inspector: --wait lists sockets once: it goes with neither --fd nor --watch"
}
