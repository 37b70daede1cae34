#!/usr/bin/env bats
# bench: round trips and streaming over pathname, abstract, jdk-unix, tcp, the C reference and its
# twin in Java through the FFM API (on a JDK 22+: where the machine has none, its row is skipped). The
# tests check what it prints, what it compiles and that it leaves nothing behind, never how fast it
# is: the figures only have to be there and positive. Every run is short (--duration 0.2, no
# warm-up), and compiles into a cache of the test's own (XDG_CACHE_HOME).

load helpers

FAST=(--duration 0.2 --warmup 0)

# shellcheck disable=SC2034 # bad_input (helpers.bash) reads before
setup() {
  export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
  cache=$XDG_CACHE_HOME/uds-kit
  before=$(snapshot)
}

# What bad input must not touch: the cache (nothing compiled).
snapshot() {
  find "$XDG_CACHE_HOME" 2>/dev/null | sort
}

# The first 16 hex digits of a file's SHA-256: the key of its binary in the cache.
key_of() {
  sha256sum "$1" | cut -c1-16
}

# assert_nothing_left LOG: the run's socket folder and abstract name (from its "sockets:" line)
# are gone, from the file system and from the kernel's table, and no process still uses them.
assert_nothing_left() {
  local folder name
  folder=$(sed -n 's|^sockets: \(/.*\)/ (removed at the end), @.*|\1|p' <<<"$1")
  name=$(sed -n 's|^sockets: .* (removed at the end), @\(uds-bench-[0-9]*\)$|\1|p' <<<"$1")
  assert [ -n "$folder" ]
  assert [ -n "$name" ]
  assert [ ! -e "$folder" ]
  run grep -F -- "$folder/" /proc/net/unix
  assert_failure
  assert [ -z "$(proc_net_unix_row "@$name")" ]
  run pgrep -f -- "$folder/"
  assert_failure
}

# The rows of the table in $output, in order.
rows_shown() {
  sed -n 's/^\(pathname\|abstract\|jdk-unix\|tcp\|c-unix\|ffm-unix\) .*/\1/p' <<<"$output"
}

# Exactly one row line for ROW, with figures above 0; prints its two ratios.
row_ratios() {
  local row=$1
  # shellcheck disable=SC2154 # bats' run sets output
  grep -E "^$row " <<<"$output" | awk 'NF == 5 && $2 > 0 && $4 > 0 { print $3, $5 }'
}

@test "bench runs every row, each with figures above 0, and leaves nothing behind" {
  run_script bench "${FAST[@]}"
  assert_success
  assert_stderr ""
  assert_line --index 0 "bench: 64-byte round trips, 65536-byte streaming writes; each measured 0.2 s after 0 s of warm-up"
  # The launcher starts every script with C1 alone; bench runs its rows in a JVM with the JIT's defaults.
  assert_line --regexp "^machine: [0-9]+ cores \(.*\), run on CPUs [0-9,-]+, Linux .*, Java [0-9][0-9.+]* \(.*, JIT C1 and C2\)\$"
  assert_line "layout: client and server are two threads of one process (the C reference too: pthreads)"
  assert_line --regexp "^C reference: $cache/bench-reference-[0-9a-f]{16} \(compiled now: cc -O2 -pthread\)\$"
  assert_line --regexp "^transport +round trips/s +ratio +MB/s +ratio\$"
  # every row, in the order of the help, the first row the measure of the others (the cached C
  # binary: the next test)
  assert_equal "$(rows_shown)" "pathname
abstract
jdk-unix
tcp
c-unix
ffm-unix"
  assert_equal "$(row_ratios pathname)" "1.00 1.00"
  measured=(abstract jdk-unix tcp c-unix)
  if [ -n "$(ffm_java_home)" ]; then
    measured+=(ffm-unix)
  else
    echo "# no JDK 22+ here: the ffm-unix row is skipped" >&3
    assert_line --regexp "^ffm-unix +skipped: no JDK 22 or newer "
  fi
  for row in "${measured[@]}"; do
    ratios=$(row_ratios "$row")
    [[ $ratios =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}$ ]] || fail "no figures above 0 for $row: $(grep "^$row " <<<"$output")"
  done
  assert_nothing_left "$output"
}

@test "--json prints one JSON object: machine, options, and each row's figures and ratios" {
  run_script bench "${FAST[@]}" --size 100 --chunk 4096 --json
  assert_success
  assert_stderr ""
  assert_equal "${#lines[@]}" 1
  run python3 -c '
import json, sys
bench = json.loads(sys.argv[1])
machine, options, rows = bench["machine"], bench["options"], bench["rows"]
assert machine["cores"] > 0 and machine["cpus_allowed"] and machine["java_version"] and machine["os"].startswith("Linux"), machine
assert machine["jit"] == "C1 and C2", machine
assert (options["size"], options["chunk"], options["duration_s"], options["warmup_s"]) == (100, 4096, 0.2, 0), options
assert [row["transport"] for row in rows] == ["pathname", "abstract", "jdk-unix", "tcp", "c-unix", "ffm-unix"], rows
for row in rows:
    if row["transport"] == "ffm-unix" and not sys.argv[2]: # no JDK 22+ here
        assert row["skipped"] is True, row
        continue
    assert row["skipped"] is False, row
    assert row["round_trips_per_s"] > 0 and row["mb_per_s"] > 0, row
    assert row["round_trips_ratio"] > 0 and row["mb_per_s_ratio"] > 0, row
assert rows[0]["round_trips_ratio"] == 1 and rows[0]["mb_per_s_ratio"] == 1, rows[0]
ratio = rows[3]["round_trips_per_s"] / rows[0]["round_trips_per_s"]
assert abs(rows[3]["round_trips_ratio"] - ratio) < 0.001, rows
assert bench["c_reference"]["compiled_now"] is True, bench["c_reference"]
print(bench["sockets"]["folder"], bench["sockets"]["abstract"])' "$output" "$(ffm_java_home)"
  assert_success
  read -r folder name <<<"$output"
  assert_nothing_left "sockets: $folder/ (removed at the end), $name"
}

@test "--only runs the rows named, in that order, and the ratios are to the first of them" {
  run_script bench "${FAST[@]}" --only tcp,pathname,tcp
  assert_success
  run rows_shown
  assert_output "tcp
pathname"
  run_script bench "${FAST[@]}" --only tcp,pathname
  assert_equal "$(row_ratios tcp)" "1.00 1.00"
  [[ $(row_ratios pathname) =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}$ ]]
  refute_line --partial "C reference:"
  assert [ ! -e "$cache" ] # no C row, nothing compiled
  assert_nothing_left "$output"
}

# bats test_tags=jdk-neutral
@test "the C reference is compiled into XDG_CACHE_HOME/uds-kit, keyed by its source's SHA-256" {
  key=$(key_of "$KIT/scripts/bench-reference.c")
  run_script bench "${FAST[@]}" --only c-unix
  assert_success
  assert_line "C reference: $cache/bench-reference-$key (compiled now: cc -O2 -pthread)"
  assert_line --regexp "^c-unix +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  assert [ -x "$cache/bench-reference-$key" ]
  cmp "$cache/bench-reference-$key.c" "$KIT/scripts/bench-reference.c"
  run_script bench "${FAST[@]}" --only c-unix
  assert_success
  assert_line "C reference: $cache/bench-reference-$key (cached)"
  assert_nothing_left "$output"
}

# bats test_tags=jdk-neutral
@test "an edited C source is compiled anew and run, never the old binary, which is removed, as is what a killed run left" {
  key=$(key_of "$KIT/scripts/bench-reference.c")
  run_script bench "${FAST[@]}" --only c-unix
  assert_success
  assert [ -x "$cache/bench-reference-$key" ]
  # A copy of the kit whose C reference ends with exit code 3 instead of 0: bench.java, its C
  # source, and the files its //SOURCES lines name (paths relative to scripts/).
  copy=$BATS_TEST_TMPDIR/kit
  mkdir -p "$copy/scripts" "$copy/lib"
  cp "$KIT/scripts/bench.java" "$KIT/scripts/bench-reference.c" "$copy/scripts/"
  read -ra sources <<<"$(sed -n 's|^//SOURCES ||p' "$KIT/scripts/bench.java" | tr '\n' ' ')"
  for source in "${sources[@]}"; do
    cp "$KIT/scripts/$source" "$copy/scripts/$source"
  done
  mkdir -p "$copy/lib/ffm" # and the FFM reference, a //FILES TARGET=SOURCE
  cp "$KIT/lib/ffm/BenchReferenceFfm.java" "$copy/lib/ffm/"
  sed -i 's|^    return 0;$|    return 3; /* edited */|' "$copy/scripts/bench-reference.c"
  edited=$(key_of "$copy/scripts/bench-reference.c")
  [ "$edited" != "$key" ]
  # What a run killed while it compiled left half-made goes too (its PID has ended); a run's that
  # compiles now (its PID alive: this shell's) stays.
  true &
  ended=$!
  wait "$ended"
  touch "$cache/bench-reference-$edited.partial-$ended" "$cache/bench-reference-$edited.c.partial-$ended" "$cache/bench-reference-$edited.partial-$$"
  run --separate-stderr "$KIT/jbang" "$copy/scripts/bench.java" "${FAST[@]}" --only c-unix
  assert_failure 1
  assert_line "C reference: $cache/bench-reference-$edited (compiled now: cc -O2 -pthread)"
  assert_stderr_line --regexp "^bench: the C reference failed \(exit 3\): round_trips_per_s=[0-9.]+ mb_per_s=[0-9.]+\$" # after JBang's "Building jar"
  assert_nothing_left "$output"
  run ls "$cache"
  assert_output "bench-reference-$edited
bench-reference-$edited.c
bench-reference-$edited.partial-$$"
}

@test "the FFM row runs BenchReferenceFfm.java on a JDK 22+, also when bench runs on an older JDK, and leaves nothing behind" {
  java_home=$(ffm_java_home)
  [ -n "$java_home" ] || skip "no JDK 22 or newer here (\$JAVA_HOME or /usr/lib/jvm)"
  run_script bench "${FAST[@]}" --only ffm-unix,tcp
  assert_success
  assert_stderr ""
  # bench runs on $JAVA_HOME's JDK: the FFM reference runs on it if it is a JDK 22+, else on the first in /usr/lib/jvm.
  java=$(sed -n 's|^FFM reference: BenchReferenceFfm\.java run by \(/.*/bin/java\) (the source launcher)$|\1|p' <<<"$output")
  [ -n "$java" ]
  [ "$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "${java%/bin/java}/release")" -ge 22 ]
  assert_line --regexp "^ffm-unix +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  [[ $(row_ratios tcp) =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}$ ]]
  assert_nothing_left "$output"
}

@test "no JDK 22+ (an empty /usr/lib/jvm but bench's own JDK, in a private mount namespace): the FFM row skipped with a note, the others run" {
  old=
  for release in /usr/lib/jvm/*/release; do
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    [ -n "$feature" ] && [ "$feature" -ge 17 ] && [ "$feature" -lt 22 ] && { old=${release%/release}; break; }
  done
  [ -n "$old" ] || skip "no JDK 17 to 21 in /usr/lib/jvm to run bench on"
  unshare -rm true 2>/dev/null || skip "no private mount namespaces here (unshare -rm)"
  # /usr/lib/jvm becomes an empty folder that holds only the old JDK, mounted back in place.
  run --separate-stderr unshare -rm bash -c '
    mkdir -p "$3" && mount --bind "$1" "$3" &&
    mount -t tmpfs uds-kit-no-jdk /usr/lib/jvm && mkdir "$1" && mount --bind "$3" "$1" &&
    JAVA_HOME=$1 exec "$2/jbang" "$2/scripts/bench.java" --duration 0.2 --warmup 0 --only tcp,ffm-unix' _ "$old" "$KIT" "$BATS_TEST_TMPDIR/kept"
  assert_success
  assert_line --regexp "^ffm-unix +skipped: no JDK 22 or newer \(the FFM API is final in 22\): bench runs on Java [0-9]+, and /usr/lib/jvm has none\$"
  assert_line --regexp "^tcp +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  refute_line --partial "FFM reference:"
  assert_nothing_left "$output"
}

# bats test_tags=jdk-neutral
@test "--no-c skips the C row and compiles nothing" {
  run_script bench "${FAST[@]}" --no-c --only pathname,c-unix
  assert_success
  assert_line --regexp "^pathname +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  assert_line --regexp "^c-unix +skipped: --no-c\$"
  assert [ ! -e "$cache" ]
  assert_nothing_left "$output"
}

# bats test_tags=jdk-neutral
@test "a C compiler that fails, or none: the C row says why it was skipped, the Java rows still run" {
  CC=false run_script bench "${FAST[@]}" --only c-unix,pathname
  assert_success
  assert_line --regexp "^c-unix +skipped: the C compiler failed: false -O2 -pthread \.\.\. exited with 1\$"
  assert_line --regexp "^pathname +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  assert_stderr ""
  assert_nothing_left "$output"
  run ls -A "$cache"
  assert_output "" # nothing half-made left in the cache
  CC=uds-kit-no-such-cc run_script bench "${FAST[@]}" --only tcp,c-unix --json
  assert_success
  run python3 -c 'import json, sys; print(json.loads(sys.argv[1])["rows"][1])' "$output"
  assert_output "{'transport': 'c-unix', 'skipped': True, 'reason': 'no C compiler: uds-kit-no-such-cc is not on PATH (install cc, or set CC)'}"
}

# bats test_tags=jdk-neutral
@test "only the C row, and its compiler fails: exit 1 and one line" {
  CC=false run_script bench "${FAST[@]}" --only c-unix
  assert_failure 1
  assert_output ""
  assert_stderr "bench: the C compiler failed: false -O2 -pthread ... exited with 1"
}

@test "SIGTERM while the C reference compiles: the compiler is stopped too" {
  # A compiler that does not finish: it says its pid, then waits (exec: the pid is the waiting one).
  printf '#!/bin/sh\necho $$ > "%s.partial"\nmv "%s.partial" "%s"\nexec sleep 60\n' \
    "$BATS_TEST_TMPDIR/cc.pid" "$BATS_TEST_TMPDIR/cc.pid" "$BATS_TEST_TMPDIR/cc.pid" >"$BATS_TEST_TMPDIR/slow-cc"
  chmod +x "$BATS_TEST_TMPDIR/slow-cc"
  CC=$BATS_TEST_TMPDIR/slow-cc start_script_server bench bench --only c-unix
  wait_until "the compiler runs" test -s "$BATS_TEST_TMPDIR/cc.pid"
  compiler=$(cat "$BATS_TEST_TMPDIR/cc.pid")
  kill -TERM "${SERVER_PID[bench]}" # bench alone: it stops the JVM it started, which stops the compiler
  wait_server bench
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ ! -e "/proc/$compiler" ]
}

@test "SIGTERM while the C reference runs: it is killed too, and nothing is left behind" {
  start_script_server bench bench --only c-unix --duration 60 --warmup 0
  wait_for_output bench "^sockets: "
  folder=$(sed -n 's|^sockets: \(/.*\)/ (removed at the end), @.*|\1|p' "$BATS_TEST_TMPDIR/bench.log")
  wait_until "the C reference runs" pgrep -f -- "$folder/c-unix.sock"
  [ "$(cat "/proc/${SERVER_PID[bench]}/comm")" = java ] # only the JVM the launcher started gets the signal
  measuring=$(pgrep -P "${SERVER_PID[bench]}" -x java) # the JVM it started with the JIT's defaults, which runs the C reference
  kill -TERM "${SERVER_PID[bench]}"
  wait_server bench
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ ! -e "/proc/$measuring" ]
  assert_nothing_left "$(cat "$BATS_TEST_TMPDIR/bench.log")"
}

@test "Ctrl-C during a Java row: nothing is left behind" {
  start_script_server bench bench --only pathname --duration 60 --warmup 0
  wait_for_output bench "^sockets: "
  folder=$(sed -n 's|^sockets: \(/.*\)/ (removed at the end), @.*|\1|p' "$BATS_TEST_TMPDIR/bench.log")
  wait_until "the pathname row listens" grep -qF -- "$folder/pathname.sock" /proc/net/unix
  measuring=$(pgrep -P "${SERVER_PID[bench]}" -x java)
  kill -INT -- "-${SERVER_PID[bench]}" # to the whole process group, as a terminal's Ctrl-C (setsid made it one)
  wait_server bench
  [ "$SERVER_STATUS" -eq 130 ]
  assert [ ! -e "/proc/$measuring" ]
  assert_nothing_left "$(cat "$BATS_TEST_TMPDIR/bench.log")"
}

# bats test_tags=jdk-neutral
@test "bench@catalog is the same command, with the JIT's defaults, C1 and C2" {
  cd "$KIT"
  run --separate-stderr ./jbang bench@catalog "${FAST[@]}" --only tcp
  assert_success
  assert_stderr ""
  assert_line --regexp "^machine: .*, Java [0-9][0-9.+]* \(.*, JIT C1 and C2\)\$"
  assert_line --regexp "^tcp +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
}

@test "uds bench is the same command, with the JIT's defaults, C1 and C2" {
  run_script uds bench "${FAST[@]}" --only tcp
  assert_success
  assert_line --regexp "^machine: .*, Java [0-9][0-9.+]* \(.*, JIT C1 and C2\)\$"
  assert_line --regexp "^tcp +[1-9][0-9]* +1\.00 +[1-9][0-9]* +1\.00\$"
  assert_nothing_left "$output"
}

register_bad_input_cases <<'CASES'
bench|--size 0|2|Invalid value for option '--size': must be 1 to 16777216 bytes, not 0
bench|--size -5|2|Invalid value for option '--size': must be 1 to 16777216 bytes, not -5
bench|--chunk 16777217|2|Invalid value for option '--chunk': must be 1 to 16777216 bytes, not 16777217
bench|--size many|2|Invalid value for option '--size': 'many' is not a whole number of bytes
bench|--duration -1|2|Invalid value for option '--duration': must be more than 0, at most 3600 seconds, not -1
bench|--duration 0|2|Invalid value for option '--duration': must be more than 0, at most 3600 seconds, not 0
bench|--duration 2s|2|Invalid value for option '--duration': '2s' is not a number of seconds, such as 2 or 0.2
bench|--warmup -0.5|2|Invalid value for option '--warmup': must be 0 to 3600 seconds, not -0.5
bench|--only pathname,udp|2|Invalid value for option '--only' \(ROW\): 'udp' is not a row: pathname, abstract, jdk-unix, tcp, c-unix
bench|--only ''|2|Invalid value for option '--only' \(ROW\): '' is not a row
bench|--only c-unix --no-c|2|--no-c leaves no row to run
bench|--bogus|2|Unknown option: '--bogus'
CASES
