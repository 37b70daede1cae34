#!/usr/bin/env bats
# ./jbang: the pinned JBang, fetched once with Maven, with JBang's own arguments, output and exit
# codes; and the clear line it prints when Java, Maven or JBang is missing.
# The tests tagged jdk-neutral test the launcher's own logic (fetching JBang, noticing a change,
# pruning its cache), which is the same whatever the JDK: CI's second run, on JDK 25, leaves them out;
# the ones about the JVM a script runs in (its class-data archive, JBang's) run on both.

load helpers

# The launcher's preparations that tests wait for run at normal priority: at its nice 10, one that
# takes 3 s alone waited a minute and more on the JVMs of the suites beside this one (and a test
# that waits for five passed bats' 180 s).
setup_file() {
  export UDS_KIT_LAUNCHER_NICENESS=0
}

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

@test "JBANG_DIR, JBANG_REPO and JBANG_CACHE_DIR set to nothing are taken as not set (JBang would fill the current folder)" {
  # A HOME whose Maven repository and JBang cache are the run's, so nothing is fetched or built.
  mkdir -p "$BATS_TEST_TMPDIR/home/.m2" "$BATS_TEST_TMPDIR/home/.jbang" "$BATS_TEST_TMPDIR/here"
  ln -s "$MAVEN_REPO" "$BATS_TEST_TMPDIR/home/.m2/repository"
  ln -s "${JBANG_CACHE_DIR:-${JBANG_DIR:-$HOME/.jbang}/cache}" "$BATS_TEST_TMPDIR/home/.jbang/cache"
  cd "$BATS_TEST_TMPDIR/here"
  HOME=$BATS_TEST_TMPDIR/home JBANG_DIR= JBANG_REPO= JBANG_CACHE_DIR= run --separate-stderr "$KIT/jbang" info classpath "$KIT/scripts/pathname-server.java"
  assert_success
  assert_output --partial /info/picocli/picocli/4.7.7/picocli-4.7.7.jar
  assert_equal "$(ls -A)" ""
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

# bats test_tags=jdk-neutral
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

# bats test_tags=jdk-neutral
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

# own_jbang_cache: a JBang cache of the test's own, with the launcher's archives of JBang's own
# classes copied in (JBang's first run would otherwise make them again, for seconds).
own_jbang_cache() {
  local shared=${JBANG_CACHE_DIR:-${JBANG_DIR:-$HOME/.jbang}/cache}/uds-kit
  export JBANG_CACHE_DIR=$BATS_TEST_TMPDIR/jbang-cache
  mkdir -p "$JBANG_CACHE_DIR/uds-kit"
  cp "$shared"/jbang-0.132.1-*.jsa "$JBANG_CACHE_DIR/uds-kit/" 2>/dev/null || true
}

# The fast path: a script whose files are unchanged runs the command JBang printed last time,
# without JBang; any change must reach the script. These tests use a JBang cache of their own.
write_greeting_script() {
  own_jbang_cache
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

# other_jdk FEATURE: sets `other` to a JDK 17+ in /usr/lib/jvm of another feature release than
# FEATURE, and `feature` to its own; skips the test if there is none.
other_jdk() {
  local release
  other=
  for release in /usr/lib/jvm/*/release; do
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$feature" ] && [ "$feature" -ge 17 ] && [ "$feature" != "$1" ]; then
      other=${release%/release}
      return 0
    fi
  done
  skip "no second JDK 17+ in /usr/lib/jvm"
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

@test "UDS_KIT_LAUNCHER_CACHE=off asks JBang every time; what the launcher keeps is in JBANG_CACHE_DIR/uds-kit" {
  write_greeting_script
  rm -f "$JBANG_CACHE_DIR"/uds-kit/jbang-*.jsa # made by the launcher, not copied
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

# The script's own JVM: a class-data archive and junixsocket's native library from the launcher's
# cache, made out of band. The probe says where its JVM got them, as /proc/self/maps shows it.
write_probe_script() {
  own_jbang_cache
  script=$BATS_TEST_TMPDIR/probe/probe.java
  mkdir -p "$(dirname "$script")"
  cat >"$script" <<'JAVA'
//JAVA 17+
//DEPS com.kohlschutter.junixsocket:junixsocket-common:2.10.1
//DEPS com.kohlschutter.junixsocket:junixsocket-native-common:2.10.1
//DEPS info.picocli:picocli:4.7.7
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
import java.nio.file.*;
class probe {
    public static void main(String... args) throws Exception {
        if (System.getenv("PROBE_RUNS") != null) // counts the runs of this code: the user's, no other
            Files.writeString(Path.of(System.getenv("PROBE_RUNS")), "run\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        org.newsclub.net.unix.AFUNIXSocket.newInstance().close(); // loads junixsocket's native library
        picocli.CommandLine.class.getName(); // loads a Java 5 class file, as every lesson does
        String cache = System.getenv("JBANG_CACHE_DIR") + "/uds-kit/", library = "none", archive = "none";
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String file = line.replaceFirst("^(\\S+\\s+){5}", ""); // what is mapped: a file, or nothing
            if (file.contains("libjunixsocket-native")) library = file.startsWith(cache + "native/") ? "from the cache" : "extracted";
            if (file.startsWith(cache + "archives/")) archive = file.substring(cache.length());
        }
        System.out.println("library " + library + ", archive " + archive + ", Java " + Runtime.version().feature() + " " + String.join("|", args));
    }
}
JAVA
}

# prepared: every entry of the test's launcher cache names its archive (or "-"), and no preparation runs.
prepared() {
  local entry
  for entry in "$JBANG_CACHE_DIR"/uds-kit/entries/*; do
    [ -n "$(sed -n 3p "$entry")" ] || return 1
  done
  [ ! -d "$JBANG_CACHE_DIR/uds-kit/preparing" ]
}

# The archive the probe's JVM mapped, from its line in $output.
archive_in_output() {
  sed -n 's/^[Ll]ibrary .*, archive \(archives\/[^,]*\.jsa\), Java .*/\1/p' <<<"$output"
}

# assert_stderr_only_jbang: stderr holds JBang's own lines ("[jbang] Building jar ..."), nothing else.
assert_stderr_only_jbang() {
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr
  [ -z "$(grep -v '^\[jbang\] ' <<<"$stderr")" ] || fail "more than JBang's lines on stderr: $stderr"
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

@test "a run before the archive is made (or after its making failed) prints only the script's output" {
  write_probe_script
  run "$KIT/jbang" "$script" && assert_success
  wait_until "the archive and the library are made" prepared
  # The entry as it is before its preparation: no archive named. The run starts one, silently.
  sed -i '3s/.*//' "$JBANG_CACHE_DIR"/uds-kit/entries/*
  run --separate-stderr "$KIT/jbang" "$script" two
  assert_success
  assert_output --regexp "^library from the cache, archive none, Java [0-9]+ two\$"
  assert_stderr ""
  wait_until "the archive is made again" prepared
}

# bats test_tags=jdk-neutral
@test "scripts run while a preparation runs are prepared after it, without another run of their own" {
  write_greeting_script
  mkdir "$BATS_TEST_TMPDIR/second"
  sed "s/class greet/class second/" "$script" >"$BATS_TEST_TMPDIR/second/second.java"
  cp "${script%/*}/Greeting.java" "$BATS_TEST_TMPDIR/second/"
  # A preparation that runs (as the launcher sees one: its pid, a process whose third argument is
  # the launcher's preparation flag), holding the lock while both scripts run for the first time.
  flag=$(sed -n 's/^readonly PREPARE=//p' "$KIT/jbang")
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
  # JBang and the probe's dependencies, copied into a Maven repository of the test's own, whose jars
  # it may touch (the launcher would fetch JBang with Maven again: 10 s). The dependencies from where
  # JBang put them (its repository follows Java's user.home, which need not be $HOME), JBang from
  # where the launcher did.
  dependencies=$(classpath_of abstract-client | tr ':' '\n' | sed -n 's|/com/kohlschutter/junixsocket/.*||p' | head -n 1)
  [ -d "$dependencies/info/picocli" ]
  write_probe_script
  export JBANG_REPO=$BATS_TEST_TMPDIR/repo
  mkdir -p "$JBANG_REPO/com" "$JBANG_REPO/info" "$JBANG_REPO/dev/jbang"
  cp -r "$dependencies/com/kohlschutter" "$JBANG_REPO/com/"
  cp -r "$dependencies/info/picocli" "$JBANG_REPO/info/"
  cp -r "$MAVEN_REPO/dev/jbang/jbang-cli" "$JBANG_REPO/dev/jbang/"
  run "$KIT/jbang" "$script" && assert_success
  wait_until "the archive and the library are made" prepared
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
  write_probe_script
  run "$KIT/jbang" "$script" && assert_success
  wait_until "the archive and the library are made" prepared

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
