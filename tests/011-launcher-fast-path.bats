#!/usr/bin/env bats
# ./jbang's fast path: a script whose files are unchanged runs the command JBang printed last time,
# without JBang; any change must reach the script. These tests use a JBang cache of their own.
# The tests tagged jdk-neutral test the launcher's own logic (noticing a change), the same whatever
# the JDK: CI's second run, on JDK 25, leaves them out.

load helpers
load helpers.launcher

setup_file() {
  # No archive is made for these tests' scripts, which run a few times and are gone (012 and 013
  # test the archives).
  export UDS_KIT_LAUNCHER_PREPARATION=off
}

@test "an unchanged script runs again without starting JBang, with every argument intact" {
  write_greeting_script
  run --separate-stderr "$KIT/jbang" "$script" one
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false one\$"
  # JBang's own JVM would refuse this option: the second run must not start it.
  JBANG_JAVA_OPTIONS=--no-such-jvm-option run --separate-stderr "$KIT/jbang" "$script" "two words" "" "it's" '$HOME'
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false two words\|\|it's\|\\\$HOME\$"
}

# bats test_tags=jdk-neutral
@test "a changed script, //SOURCES file or //DEPS line is rebuilt before it runs" {
  write_greeting_script
  run "$KIT/jbang" "$script" && assert_output --partial "hello from Java"
  sed -i 's/hello from/hi from/' "$script" "${script%/*}/Greeting.java"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_success
  assert_output --regexp "^hi from Java [0-9]+, picocli false \$"
  # The same length, the same second: the content decides, not the time.
  sed -i 's/hi from/yo from/' "${script%/*}/Greeting.java"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output --regexp "^yo from Java [0-9]+, picocli false \$"
  # A //DEPS line inside a //SOURCES file puts a jar on the class path.
  sed -i '1i //DEPS info.picocli:picocli:4.7.7' "${script%/*}/Greeting.java"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_success
  assert_output --regexp "^yo from Java [0-9]+, picocli true \$"
}

# bats test_tags=jdk-neutral
@test "another JDK runs the script on that JDK" {
  write_greeting_script
  current=$("$KIT/jbang" "$script" | sed -n 's/^hello from Java \([0-9]*\).*/\1/p')
  [ -n "$current" ]
  other_jdk "$current"
  JAVA_HOME=$other run --separate-stderr "$KIT/jbang" "$script"
  assert_success
  assert_output "hello from Java $feature, picocli false "
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output "hello from Java $current, picocli false "
}

# bats test_tags=jdk-neutral
@test "a script that does not compile says so, exit 1, and runs once it is fixed" {
  write_greeting_script
  sed -i 's/return "hello from/return hello from/' "${script%/*}/Greeting.java"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_failure 1
  assert_stderr --partial "Greeting.java"
  assert_output ""
  sed -i 's/return hello from/return "hello from/' "${script%/*}/Greeting.java"
  run --separate-stderr "$KIT/jbang" "$script"
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false \$"
}

# bats test_tags=jdk-neutral
@test "a cleared JBang cache is rebuilt, not run from the gone jar" {
  write_greeting_script
  run "$KIT/jbang" "$script" && assert_success
  rm -rf "$JBANG_CACHE_DIR/jars"
  run --separate-stderr "$KIT/jbang" "$script" again
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false again\$"
}

# bats test_tags=jdk-neutral
@test "an alias runs again without starting JBang, and a changed catalog it imports is honoured" {
  write_greeting_script
  mkdir "$BATS_TEST_TMPDIR/catalogs"
  cd "$BATS_TEST_TMPDIR/catalogs"
  echo '{"catalogs": {"more": {"catalog-ref": "more.json", "import": true}}}' >jbang-catalog.json
  echo '{"aliases": {"greet": {"script-ref": "../greet/greet.java", "arguments": ["first"]}}}' >more.json
  run --separate-stderr "$KIT/jbang" greet
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false first\$"
  JBANG_JAVA_OPTIONS=--no-such-jvm-option run --separate-stderr "$KIT/jbang" greet and
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false first\\|and\$"
  sed -i 's/"first"/"second"/' more.json
  run --separate-stderr "$KIT/jbang" greet
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false second\$"
}

@test "UDS_KIT_LAUNCHER_CACHE=off asks JBang every time; what the launcher keeps is in JBANG_CACHE_DIR/uds-kit, JBang's archive made by a script's run, not by --version" {
  write_greeting_script
  rm -f "$JBANG_CACHE_DIR"/uds-kit/jbang-*.jsa # made by the launcher, not copied
  # JBang's --version alone makes no archive of JBang's classes; a script's first run makes it.
  run --separate-stderr "$KIT/jbang" --version
  assert_success
  run bash -c 'ls "$1"/uds-kit/jbang-*.jsa' _ "$JBANG_CACHE_DIR"
  assert_failure
  run --separate-stderr "$KIT/jbang" "$script" one
  assert_success
  # JBang's AppCDS archive for this JDK, and the kept command for this script.
  run bash -c 'ls "$1"/uds-kit/jbang-0.132.1-*.jsa && grep -lF "$2" "$1"/uds-kit/entries/*' _ "$JBANG_CACHE_DIR" "$script"
  assert_success
  assert_equal "${#lines[@]}" 2
  # JBang's own JVM refuses this option: with the cache off, JBang runs, and says so.
  UDS_KIT_LAUNCHER_CACHE=off JBANG_JAVA_OPTIONS=--no-such-jvm-option run --separate-stderr "$KIT/jbang" "$script" one
  assert_failure
  assert_stderr --partial "Unrecognized option: --no-such-jvm-option"
}

# bats test_tags=jdk-neutral
@test "UDS_KIT_LAUNCHER_PREPARATION=off: no preparation is started, where a script's first run starts one (012)" {
  write_greeting_script
  # strace -f waits for every process the launcher starts, a preparation in its own session too.
  run --separate-stderr strace -f -qq -e trace=execve -e signal=none -o "$BATS_TEST_TMPDIR/trace" "$KIT/jbang" "$script" one
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false one\$"
  grep -q 'execve(.*/java"' "$BATS_TEST_TMPDIR/trace" # the trace saw the JVMs
  flag=$(preparation_flag)
  [ -n "$flag" ]
  run grep -c -e "$flag" "$BATS_TEST_TMPDIR/trace"
  assert_output 0
}
