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
