#!/usr/bin/env bats
# ./jbang: the pinned JBang, fetched once with Maven, with JBang's own arguments, output and exit
# codes; and the clear line it prints when Java, Maven or JBang is missing.

load helpers

# A PATH holding only the tools the launcher itself uses, plus what a test adds to it.
bare_path() {
  bin=$BATS_TEST_TMPDIR/bin
  mkdir -p "$bin"
  local tool
  for tool in bash env sed head readlink sha256sum cut touch mkdir mv rm "$@"; do
    ln -sf "$(command -v "$tool")" "$bin/$tool"
  done
  echo "$bin"
}

@test "runs the pinned JBang 0.132.1" {
  run --separate-stderr "$KIT/jbang" --version
  assert_success
  assert_stderr "0.132.1"
}

@test "passes the script's output and exit codes through" {
  run_script pathname-server --version
  assert_success
  assert_output "uds-kit 0.1.0"
  run_script pathname-server --no-such-option
  assert_failure 2
}

@test "an empty argument reaches the script (JBang alone would drop it)" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run_script pathname-client --path "$path" ""
  assert_success
  wait_server server
  run server_log server
  assert_line --index 2 "Received data from client: "
}

@test "fetches JBang with Maven into an empty local repository, and checks its checksum" {
  repo=$BATS_TEST_TMPDIR/repo
  JBANG_REPO=$repo run --separate-stderr "$KIT/jbang" --version
  assert_success
  assert_stderr --partial "fetching JBang 0.132.1 with Maven into $repo"
  assert [ -f "$repo/dev/jbang/jbang-cli/0.132.1/jbang-cli-0.132.1-all.jar" ]
}

@test "a jar that does not match the pinned checksum is refused" {
  repo=$BATS_TEST_TMPDIR/repo
  jar=$repo/dev/jbang/jbang-cli/0.132.1/jbang-cli-0.132.1-all.jar
  mkdir -p "$(dirname "$jar")"
  echo "not JBang" >"$jar"
  JBANG_REPO=$repo run --separate-stderr "$KIT/jbang" --version
  assert_failure 1
  assert_stderr --regexp "^jbang \(uds-kit\): $jar has SHA-256 [0-9a-f]{64}, expected f977075849cff866f45b27997f5671ab8a336a5dd3cf9e702b3479128338f3a7: delete it and run again\$"
}

@test "without Java: one line saying what to install" {
  path=$(bare_path)
  run --separate-stderr env PATH="$path" JAVA_HOME= "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): no Java found: install a JDK 17 or newer (or set JAVA_HOME to one)"
}

@test "with a Java older than 17: one line saying what to install" {
  old_java=$BATS_TEST_TMPDIR/old-jdk
  mkdir -p "$old_java/bin"
  # A stand-in for an old JDK: the launcher only reads what `java -version` prints.
  printf '#!/bin/sh\necho %s >&2\n' "'openjdk version \"11.0.2\" 2019-01-15'" >"$old_java/bin/java"
  chmod +x "$old_java/bin/java"
  JAVA_HOME=$old_java run --separate-stderr "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): $old_java/bin/java is Java 11: install a JDK 17 or newer (or set JAVA_HOME to one)"
}

@test "without Maven, a jbang on PATH is used, and it says so" {
  path=$(bare_path java)
  # The user's own JBang: here the same pinned one, reached through a different file.
  printf '#!/usr/bin/env bash\nJBANG_REPO=%q exec %q "$@"\n' "${JBANG_REPO:-$HOME/.m2/repository}" "$KIT/jbang" >"$path/jbang"
  chmod +x "$path/jbang"
  run --separate-stderr env PATH="$path" JBANG_REPO="$BATS_TEST_TMPDIR/empty" "$KIT/jbang" "$KIT/scripts/pathname-server.java" --version
  assert_success
  assert_output "uds-kit 0.1.0"
  assert_stderr "jbang (uds-kit): Maven is not installed, so running $path/jbang instead of the pinned JBang 0.132.1"
}

@test "without Maven or JBang: one line saying what to install" {
  path=$(bare_path java)
  run --separate-stderr env PATH="$path" JBANG_REPO="$BATS_TEST_TMPDIR/empty" "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): neither Maven nor JBang found: install Maven (to fetch JBang 0.132.1) or JBang"
}

# The fast path: a script whose files are unchanged runs the command JBang printed last time,
# without JBang; any change must reach the script. These tests use a JBang cache of their own.
write_greeting_script() {
  export JBANG_CACHE_DIR=$BATS_TEST_TMPDIR/jbang-cache
  script=$BATS_TEST_TMPDIR/greet/greet.java
  mkdir -p "$(dirname "$script")"
  cat >"$script" <<'JAVA'
//JAVA 17+
//SOURCES Greeting.java
class greet {
    public static void main(String... args) {
        System.out.println(Greeting.text() + " " + String.join("|", args));
    }
}
JAVA
  cat >"${script%/*}/Greeting.java" <<'JAVA'
class Greeting {
    static String text() {
        boolean picocli;
        try {
            Class.forName("picocli.CommandLine");
            picocli = true;
        } catch (ClassNotFoundException e) {
            picocli = false;
        }
        return "hello from Java " + Runtime.version().feature() + ", picocli " + picocli;
    }
}
JAVA
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

@test "another JDK runs the script on that JDK" {
  write_greeting_script
  current=$("$KIT/jbang" "$script" | sed -n 's/^hello from Java \([0-9]*\).*/\1/p')
  [ -n "$current" ]
  other=
  for release in /usr/lib/jvm/*/release; do
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$feature" ] && [ "$feature" -ge 17 ] && [ "$feature" != "$current" ]; then
      other=${release%/release}
      break
    fi
  done
  [ -n "$other" ] || skip "no second JDK 17+ in /usr/lib/jvm"
  JAVA_HOME=$other run --separate-stderr "$KIT/jbang" "$script"
  assert_success
  assert_output "hello from Java $feature, picocli false "
  run --separate-stderr "$KIT/jbang" "$script"
  assert_output "hello from Java $current, picocli false "
}

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

@test "a cleared JBang cache is rebuilt, not run from the gone jar" {
  write_greeting_script
  run "$KIT/jbang" "$script" && assert_success
  rm -rf "$JBANG_CACHE_DIR/jars"
  run --separate-stderr "$KIT/jbang" "$script" again
  assert_success
  assert_output --regexp "^hello from Java [0-9]+, picocli false again\$"
}

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

@test "UDS_KIT_LAUNCHER_CACHE=off asks JBang every time; what the launcher keeps is in JBANG_CACHE_DIR/uds-kit" {
  write_greeting_script
  run --separate-stderr "$KIT/jbang" "$script" one
  assert_success
  # JBang's AppCDS archive for this JDK, and the kept command for this script.
  run bash -c 'ls "$1"/uds-kit/jbang-0.132.1-*.jsa && grep -lF "$2" "$1"/uds-kit/commands/*' _ "$JBANG_CACHE_DIR" "$script"
  assert_success
  assert_equal "${#lines[@]}" 2
  # JBang's own JVM refuses this option: with the cache off, JBang runs, and says so.
  UDS_KIT_LAUNCHER_CACHE=off JBANG_JAVA_OPTIONS=--no-such-jvm-option run --separate-stderr "$KIT/jbang" "$script" one
  assert_failure
  assert_stderr --partial "Unrecognized option: --no-such-jvm-option"
}
