#!/usr/bin/env bats
# ./jbang's class-data archive and junixsocket's library for a script's JVM: a run without them (before
# they are made, or after their making failed), and their making anew when the script, a jar, the
# library or the JDK changes (012: how they are made at first). Every test starts from the probe
# prepared once by setup_file (prepared_probe): one preparation fewer for each to wait for.

load helpers
load helpers.launcher

setup_file() {
  preparations_at_normal_priority
  prepared_probe
}

@test "a run before the archive is made (or after its making failed) prints only the script's output" {
  prepared_probe
  # The entry as it is before its preparation: no archive named. The run starts one, silently.
  sed -i '3s/.*//' "$JBANG_CACHE_DIR"/uds-kit/entries/*
  run --separate-stderr "$KIT/jbang" "$script" two
  assert_success
  assert_output --regexp "^library from the cache, archive none, Java [0-9]+ two\$"
  assert_stderr ""
  wait_until "the archive is made again" prepared
}

# bats test_tags=jdk-neutral
@test "a copy of a script gets the archive made for the original (one jar, the same command): none is made for it" {
  prepared_probe
  run --separate-stderr "$KIT/jbang" "$script" original
  archive=$(archive_in_output)
  [ -n "$archive" ]
  mkdir "$BATS_TEST_TMPDIR/copy"
  cp "$script" "$BATS_TEST_TMPDIR/copy/"
  run --separate-stderr "$KIT/jbang" "$BATS_TEST_TMPDIR/copy/probe.java" first
  assert_output --regexp "^library extracted, archive none, Java [0-9]+ first\$"
  wait_until "the copy's entry is prepared" prepared
  run --separate-stderr "$KIT/jbang" "$BATS_TEST_TMPDIR/copy/probe.java" again
  assert_output --regexp "^library from the cache, archive archives/[^,]+\.jsa, Java [0-9]+ again\$"
  assert_equal "$(archive_in_output)" "$archive"
  assert_stderr ""
  run ls "$JBANG_CACHE_DIR/uds-kit/entries"
  assert_equal "${#lines[@]}" 2
  run ls "$JBANG_CACHE_DIR/uds-kit/archives"
  assert_equal "${#lines[@]}" 1
}

# assert_made_anew: the probe runs without the old archive and library (JBang was asked), then,
# once the preparation has made new ones, from the cache, silently.
assert_made_anew() {
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^Library extracted, archive none, Java [0-9]+ \$"
  wait_until "the archive is made anew" prepared
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^Library from the cache, archive archives/[^,]+\.jsa, Java [0-9]+ \$"
  assert_stderr ""
}

@test "the archive and the library are made anew when the script or a jar changes, and the old ones removed" {
  prepared_probe
  run --separate-stderr "$KIT/jbang" "$script"
  first=$(archive_in_output)
  [ -n "$first" ] && [ -f "$JBANG_CACHE_DIR/uds-kit/$first" ]

  # The script changes: JBang builds it again, the JVM runs without the old archive, a new one follows.
  sed -i 's/"library "/"Library "/' "$script"
  assert_made_anew
  second=$(archive_in_output)
  [ -n "$second" ] && [ "$second" != "$first" ]
  assert [ ! -e "$JBANG_CACHE_DIR/uds-kit/$first" ]

  # A jar is written anew (a newer time): the same.
  touch "$JBANG_REPO"/com/kohlschutter/junixsocket/junixsocket-common/2.10.1/junixsocket-common-2.10.1.jar
  assert_made_anew
  assert [ ! -e "$JBANG_CACHE_DIR/uds-kit/$second" ]
}

@test "a changed library is never loaded, and is extracted anew; another JDK gets an archive of its own, kept beside the first" {
  prepared_probe

  # The kept library is checked by its checksum: a changed one is never loaded, and is extracted anew.
  library=$(sed -n 4p "$JBANG_CACHE_DIR"/uds-kit/entries/*)
  [ -f "$library" ]
  cp "$library" "$BATS_TEST_TMPDIR/library"
  echo "changed" >>"$library"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^library extracted, archive none, Java [0-9]+ \$"
  wait_until "the library is extracted anew" prepared
  cmp "$library" "$BATS_TEST_TMPDIR/library"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^library from the cache, archive archives/[^,]+\.jsa, Java [0-9]+ \$"

  # Another JDK: its own archive, kept beside the first JDK's.
  current=$(sed -n 's/.* Java \([0-9]*\) $/\1/p' <<<"$output")
  other_jdk "$current"
  JAVA_HOME=$other run --separate-stderr "$KIT/jbang" "$script"
  assert_output "library extracted, archive none, Java $feature "
  assert_stderr_only_jbang
  wait_until "the other JDK's archive is made" prepared
  JAVA_HOME=$other run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^library from the cache, archive archives/[^,]+ on ${other##*/}\.[0-9.]+\.jsa, Java $feature \$"
  assert_stderr ""
  # Back on the first JDK: its entry is still there, unless JBang rebuilt the script's jar for the
  # other one (a jar built by a newer javac cannot run on an older JDK): then the jar is new, and so
  # is the entry.
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^library (from the cache, archive archives/[^,]+\.jsa|extracted, archive none), Java $current \$"
  assert_stderr_only_jbang
}
