#!/usr/bin/env bats
# The inspector against the kernel's other witnesses: `ss -x -a -p` and `ls -l /proc/PID/fd`.

load helpers

start_zoo() {
  prefix=$(unique zoo)
  start_server zoo python3 "$FIXTURES/socket_zoo.py" "$prefix" "$BATS_TEST_TMPDIR"
  wait_for_output zoo "^ready\$"
  zoo=${SERVER_PID[zoo]}
}

@test "every socket of every kind shows as ss shows it: inode, type, state, address, owner" {
  start_zoo
  run_script inspector --json --pid "$zoo"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/inspector.json"
  ss -x -a -p >"$BATS_TEST_TMPDIR/ss.txt"

  run python3 "$FIXTURES/compare_with_ss.py" "$BATS_TEST_TMPDIR/inspector.json" "$BATS_TEST_TMPDIR/ss.txt" "$zoo"
  assert_success
  assert_line "9 sockets compared"
  assert_line "u_str LISTEN $BATS_TEST_TMPDIR/$prefix.sock $(ss_inode "$BATS_TEST_TMPDIR/$prefix.sock"): same as ss"
  assert_line --regexp "^u_str LISTEN @$prefix-abstract [0-9]+: same as ss\$"
  assert_line --regexp "^u_str UNCONN @$prefix-nul@inside [0-9]+: same as ss\$"
  assert_line --regexp "^u_str UNCONN @$prefix-with space [0-9]+: same as ss\$"
  assert_line --regexp "^u_dgr UNCONN @$prefix-datagram [0-9]+: same as ss\$"
  assert_line --regexp "^u_seq LISTEN @$prefix-seqpacket [0-9]+: same as ss\$"
  [ "$(grep -c '^u_str ESTAB \* ' <<<"$output")" -eq 3 ] # the socketpair, and the waiting client
}

@test "a connection not yet accepted shows as CONNECTING at the listener's address" {
  start_zoo
  run_script inspector "^@$prefix-abstract\$"
  assert_success
  assert_line --regexp "^u_str +LISTEN +[0-9]+ +@$prefix-abstract +python3,pid=$zoo,fd=[0-9]+\$"
  assert_line --regexp "^u_str +CONNECTING +0 +@$prefix-abstract +-\$"
}

@test "a name with bytes that are not UTF-8, or a backslash, is shown escaped" {
  prefix=$(unique odd)
  start_server odd python3 -c '
import signal, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(b"\0" + sys.argv[1].encode() + b"-\xff\x1b-back\\slash")
print("ready", flush=True)
signal.pause()' "$prefix"
  wait_for_output odd "^ready\$"
  run_script inspector --pid "${SERVER_PID[odd]}"
  assert_success
  assert_line --regexp "^u_str +UNCONN +[0-9]+ +@$prefix-\\\\xff\\\\x1b-back\\\\\\\\slash +python3,"
}

@test "the filters: --listening, --abstract, --pathname, --pid and a pattern" {
  start_zoo
  run_script inspector --pid "$zoo" --listening
  assert_success
  [ "${#lines[@]}" -eq 4 ] # the header, the pathname, abstract and seqpacket listeners
  run_script inspector --pid "$zoo" --abstract --listening
  [ "${#lines[@]}" -eq 3 ]
  refute_output --partial ".sock"
  run_script inspector --pid "$zoo" --pathname
  [ "${#lines[@]}" -eq 2 ]
  assert_line --index 1 --partial "$BATS_TEST_TMPDIR/$prefix.sock"
  run_script inspector "$prefix-(datagram|seqpacket)"
  [ "${#lines[@]}" -eq 3 ]
}

@test "--fd PID lists what ls -l /proc/PID/fd lists, each socket explained" {
  start_zoo
  run_script inspector --fd "$zoo"
  assert_success
  assert_line --index 0 --regexp "^FD +Target +Socket\$"
  # Every fd that ls shows, with the same target.
  while read -r fd target; do
    assert_line --regexp "^$fd +$(sed 's/[][\.*^$]/\\&/g' <<<"$target")( |\$)"
  done < <(ls -l "/proc/$zoo/fd" | awk 'NR > 1 { print $9, $11 }')
  inode=$(ss_inode "$BATS_TEST_TMPDIR/$prefix.sock")
  assert_line --regexp "^[0-9]+ +socket:\[$inode\] +u_str LISTEN $BATS_TEST_TMPDIR/$prefix.sock\$"
}

@test "--json is JSON that a real parser reads" {
  start_zoo
  run_script inspector --json --abstract --pid "$zoo"
  assert_success
  run python3 -c 'import json, sys; print(sorted(s["address"] for s in json.load(sys.stdin)))' <<<"$output"
  assert_output "['@$prefix-abstract', '@$prefix-datagram', '@$prefix-nul@inside', '@$prefix-seqpacket', '@$prefix-with space']"
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

@test "as a user who may not read other processes' fds (nobody): no error, owners unknown" {
  start_zoo
  classpath=$(readable_classpath inspector)
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env HOME="$BATS_TEST_TMPDIR" java -cp "$classpath" Inspector "$prefix-abstract"
  assert_success
  assert_stderr ""
  assert_line --regexp "^u_str +LISTEN +[0-9]+ +@$prefix-abstract +\?\$"
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
  assert_line --index 0 --regexp "^Netid +State +Inode +Local Address +Process\$"
  assert_line --index 1 --regexp "^u_str +LISTEN +[0-9]+ +@$name +python3,pid=${SERVER_PID[listener]},fd=[0-9]+\$"
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

@test "--wait=SECONDS gives up after SECONDS: one line on stderr, exit 1, and no core kept busy meanwhile" {
  name=$(unique nobody-listens)
  TIMEFORMAT='%U %S'
  start=$(date +%s%N)
  { time run_script inspector --wait=6 "@$name"; } 2>"$BATS_TEST_TMPDIR/cpu"
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  assert_failure 1
  assert_output ""
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr "inspector: no socket matched within 6 seconds"
  [ "$elapsed_ms" -ge 6000 ]
  # CPU time of JBang's JVM and the inspector's: starting both takes about 1.5 s; six seconds of a
  # loop that polls without pausing would add seconds more, even on a busy machine.
  read -r user system <"$BATS_TEST_TMPDIR/cpu"
  cpu_ms=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%d", (u + s) * 1000 }')
  [ "$cpu_ms" -lt 3000 ] || fail "the inspector used ${cpu_ms} ms of CPU in ${elapsed_ms} ms: it polls too eagerly"
}

@test "--wait: bad seconds, or with --fd or --watch, get one line and exit 2" {
  run_script inspector --wait=-1 x
  assert_failure 2
  assert_output ""
  assert_stderr "inspector: --wait takes a number of seconds over 0 (at most 86400), not -1 (see 'inspector --help')"
  run_script inspector --wait=soon x
  assert_failure 2
  assert_stderr "inspector: Invalid value for option '--wait': 'soon' is not a double (see 'inspector --help')"
  run_script inspector --wait --fd 1
  assert_failure 2
  assert_stderr "inspector: --wait lists sockets once: it goes with neither --fd nor --watch (see 'inspector --help')"
  run_script inspector --wait --watch
  assert_failure 2
  assert_stderr --partial "it goes with neither --fd nor --watch"
}
