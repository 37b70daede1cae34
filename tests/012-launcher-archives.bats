#!/usr/bin/env bats
# ./jbang's class-data archive and junixsocket's library for a script's JVM: made out of band after
# a script's first run, silently, one preparation at a time, and pruned. (010, 011: the launcher
# and its fast path; 013: a run without them, and their making anew when what they were made from
# changes.)
# The tests tagged jdk-neutral test the launcher's own logic, the same whatever the JDK: CI's second
# run, on JDK 25, leaves them out; the ones about the JVM a script runs in run on both.

load helpers
load helpers.launcher

setup_file() {
  preparations_at_normal_priority
}

@test "a script's JVM gets a class-data archive and junixsocket's library from the cache, made out of band at nice 10, silently" {
  write_probe_script
  unset UDS_KIT_LAUNCHER_NICENESS # the launcher's own priority
  export PROBE_RUNS=$BATS_TEST_TMPDIR/runs
  touch "$BATS_TEST_TMPDIR/before"
  run --separate-stderr "$KIT/jbang" "$script" one
  assert_success
  assert_output --regexp "^library extracted, archive none, Java [0-9]+ one\$"
  assert_stderr_only_jbang
  wait_until "the preparation starts" test -s "$JBANG_CACHE_DIR/uds-kit/preparing/pid"
  run ps -o ni= -p "$(cat "$JBANG_CACHE_DIR/uds-kit/preparing/pid")"
  assert_output --regexp "^ *10\$"
  wait_until "the archive and the library are made" prepared
  for words in two "three four"; do
    run --separate-stderr "$KIT/jbang" "$script" "$words"
    assert_success
    assert_output --regexp "^library from the cache, archive archives/[^,]+\.jsa, Java [0-9]+ $words\$"
    assert_stderr ""
  done
  # The preparation ran none of the script's code (three runs, all ours), and left nothing in /tmp.
  assert_equal "$(cat "$PROBE_RUNS")" $'run\nrun\nrun'
  assert_equal "$(find /tmp -maxdepth 1 -newer "$BATS_TEST_TMPDIR/before" -name 'jux*')" ""
  # What the archive holds: the classes of the jars, junixsocket's and picocli's among them.
  run bash -c 'sed -n 2p "$1"/uds-kit/entries/*' _ "$JBANG_CACHE_DIR"
  read -ra words <<<"$output"
  archive=$(sed -n 3p "$JBANG_CACHE_DIR"/uds-kit/entries/*)
  run "${words[0]}" -XX:SharedArchiveFile="$archive" -Xlog:class+load=info "${words[@]:1}" check
  assert_success
  assert_line --regexp "org\.newsclub\.net\.unix\.AFUNIXSocket source: shared objects file"
  assert_line --regexp "picocli\.CommandLine source: shared objects file" # Java 5 class files too, on any JDK
  # And the JDK's classes the libraries load when they work, found by running their own code:
  # picocli's converters (java.sql), junixsocket's library (ProcessBuilder$Redirect).
  run "${words[0]}" -XX:SharedArchiveFile="$archive" -XX:+PrintSharedArchiveAndExit -Xlog:disable "${words[@]:1:${#words[@]}-2}"
  assert_line --regexp ": java\.sql\.Timestamp platform_loader\$"
  assert_line --regexp ": java\.lang\.ProcessBuilder\\\$Redirect boot_loader\$"
}

# bats test_tags=jdk-neutral
@test "scripts run while a preparation runs are prepared after it, without another run of their own" {
  write_greeting_script
  mkdir "$BATS_TEST_TMPDIR/second"
  sed "s/class greet/class second/" "$script" >"$BATS_TEST_TMPDIR/second/second.java"
  cp "${script%/*}/Greeting.java" "$BATS_TEST_TMPDIR/second/"
  # A preparation that runs (as the launcher sees one: its pid, a process whose third argument is
  # the launcher's preparation flag), holding the lock while both scripts run for the first time.
  flag=$(preparation_flag)
  [ -n "$flag" ]
  mkfifo "$BATS_TEST_TMPDIR/holder"
  python3 - "$flag" <"$BATS_TEST_TMPDIR/holder" 3>&- &
  holder=$!
  exec 7>"$BATS_TEST_TMPDIR/holder"
  mkdir -p "$JBANG_CACHE_DIR/uds-kit/preparing"
  echo "$holder" >"$JBANG_CACHE_DIR/uds-kit/preparing/pid"
  for each in "$script" "$BATS_TEST_TMPDIR/second/second.java"; do
    run "$KIT/jbang" "$each" first
    assert_success
  done
  # Two entries, neither naming an archive: both runs found the lock held.
  run bash -c 'for entry in "$1"/uds-kit/entries/*; do echo "[$(sed -n 3p "$entry")]"; done' _ "$JBANG_CACHE_DIR"
  assert_output $'[]\n[]'
  exec 7>&-
  wait "$holder"
  # The first script runs again and starts a preparation; the second script's entry is prepared too.
  run "$KIT/jbang" "$script" again
  assert_success
  wait_until "both scripts' archives are made" prepared
  run bash -c 'for entry in "$1"/uds-kit/entries/*; do [ -f "$(sed -n 3p "$entry")" ] && echo archive; done' _ "$JBANG_CACHE_DIR"
  assert_output $'archive\narchive'
}

# bats test_tags=jdk-neutral
@test "one entry per script and JDK, whatever the working folder; the oldest entries, and JBang's archives not used lately, are pruned" {
  write_greeting_script
  # Archives of JBang's classes for other JDKs or Maven repositories, last used days ago.
  for days in 1 2 3 4 5 6; do
    touch -d "$days days ago" "$JBANG_CACHE_DIR/uds-kit/jbang-0.132.1-used-$days-days-ago.jsa"
  done
  for folder in / "$BATS_TEST_TMPDIR" "${script%/*}"; do
    (cd "$folder" && "$KIT/jbang" "$script" from "$folder") >"$BATS_TEST_TMPDIR/out"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$("$KIT/jbang" "$script" from "$folder")"
  done
  (cd "${script%/*}" && "$KIT/jbang" greet.java here)
  run ls "$JBANG_CACHE_DIR/uds-kit/entries"
  assert_equal "${#lines[@]}" 1
  wait_until "the archive is made" prepared
  first=$(sed -n 3p "$JBANG_CACHE_DIR"/uds-kit/entries/*)
  [ -f "$first" ]
  # Two more scripts, with room for two entries: the first script's entry and archive go.
  for name in second third; do
    mkdir "$BATS_TEST_TMPDIR/$name"
    sed "s/class greet/class $name/" "$script" >"$BATS_TEST_TMPDIR/$name/$name.java"
    cp "${script%/*}/Greeting.java" "$BATS_TEST_TMPDIR/$name/"
    UDS_KIT_LAUNCHER_ENTRIES=2 run "$KIT/jbang" "$BATS_TEST_TMPDIR/$name/$name.java"
    assert_success
    wait_until "the archive is made" prepared
  done
  run ls "$JBANG_CACHE_DIR/uds-kit/entries"
  assert_equal "${#lines[@]}" 2
  refute_output --partial "greet.java"
  assert [ ! -e "$first" ]
  run ls "$JBANG_CACHE_DIR/uds-kit/archives"
  assert_equal "${#lines[@]}" 2
  # Four of JBang's archives are kept, the one in use among them: JBang, asked again, makes none.
  run ls "$JBANG_CACHE_DIR"/uds-kit/jbang-*.jsa
  assert_equal "${#lines[@]}" 4
  refute_output --partial "used-4-days-ago"
  kept=$output
  run "$KIT/jbang" --version
  assert_success
  assert_equal "$(ls "$JBANG_CACHE_DIR"/uds-kit/jbang-*.jsa)" "$kept"
}
