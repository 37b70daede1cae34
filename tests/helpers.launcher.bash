# The launcher's suites (011, 012, 013): scripts of a test's own, run by ./jbang with a JBang cache
# of the test's own, and what the launcher keeps for them in it.
# shellcheck shell=bash

# own_jbang_cache [FOLDER]: a JBang cache of the test's own (in FOLDER, the test's by default), with
# the launcher's archives of JBang's own classes copied in (JBang's first run would otherwise make
# them again, for seconds).
own_jbang_cache() {
  local shared=${JBANG_CACHE_DIR:-${JBANG_DIR:-$HOME/.jbang}/cache}/uds-kit
  export JBANG_CACHE_DIR=${1:-$BATS_TEST_TMPDIR}/jbang-cache
  mkdir -p "$JBANG_CACHE_DIR/uds-kit"
  cp "$shared"/jbang-0.132.1-*.jsa "$JBANG_CACHE_DIR/uds-kit/" 2>/dev/null || true
}

# preparations_at_normal_priority: the launcher's preparations that a file's tests wait for run at
# nice 0, not the launcher's 10: at nice 10, one that takes 3 s alone waited a minute and more on the
# JVMs of the suites beside its file (and a test that waits for five passed bats' 180 s).
preparations_at_normal_priority() {
  export UDS_KIT_LAUNCHER_NICENESS=0
}

# preparation_flag: the word that marks a preparation's command line (its third), read from ./jbang.
preparation_flag() {
  sed -n 's/^readonly PREPARE=//p' "$KIT/jbang"
}

# write_greeting_script: greet.java and the Greeting.java it names in //SOURCES, in a folder of the
# test's own (`script` is its path), with a JBang cache of the test's own that holds the jar JBang
# built for them at the file's first call (JBang keys a jar by its sources' content): a test's
# first run finds it built, as a script run before does, and only what a test changes is compiled.
write_greeting_script() {
  local built=$BATS_FILE_TMPDIR/greeting-jars
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
  if [ -d "$built" ]; then
    cp -r "$built" "$JBANG_CACHE_DIR/jars"
  else
    "$KIT/jbang" build "$script" 2>/dev/null
    cp -r "$JBANG_CACHE_DIR/jars" "$built"
  fi
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

# The script's own JVM: a class-data archive and junixsocket's native library from the launcher's
# cache, made out of band. The probe says where its JVM got them, as /proc/self/maps shows it.
# write_probe_script [FOLDER]: the probe and a JBang cache of its own, in FOLDER (the test's by default).
write_probe_script() {
  own_jbang_cache "${1:-}"
  script=${1:-$BATS_TEST_TMPDIR}/probe/probe.java
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

# prepared_probe: the probe, run once and prepared (its archive and library made), with a JBang cache
# and a Maven repository of its own (JBang and the probe's dependencies copied in: jars a test may
# touch), always at the same paths, which the entries and archives name. The first call in a suite
# makes it and keeps a copy; each call after starts from that copy: one preparation fewer to wait for.
prepared_probe() {
  local state=$BATS_FILE_TMPDIR/probe-state kept=$BATS_FILE_TMPDIR/probe-prepared dependencies
  rm -rf "$state"
  if [ -d "$kept" ]; then
    cp -a "$kept" "$state"
    export JBANG_CACHE_DIR=$state/jbang-cache JBANG_REPO=$state/repo
    script=$state/probe/probe.java
    return 0
  fi
  # The dependencies from where JBang put them (its repository follows Java's user.home, which need
  # not be $HOME), JBang from where the launcher did (it would fetch JBang with Maven again: 10 s).
  dependencies=$(classpath_of abstract-client | tr ':' '\n' | sed -n 's|/com/kohlschutter/junixsocket/.*||p' | head -n 1)
  [ -d "$dependencies/info/picocli" ]
  write_probe_script "$state"
  export JBANG_REPO=$state/repo
  mkdir -p "$JBANG_REPO/com" "$JBANG_REPO/info" "$JBANG_REPO/dev/jbang"
  cp -r "$dependencies/com/kohlschutter" "$JBANG_REPO/com/"
  cp -r "$dependencies/info/picocli" "$JBANG_REPO/info/"
  cp -r "$MAVEN_REPO/dev/jbang/jbang-cli" "$JBANG_REPO/dev/jbang/"
  run "$KIT/jbang" "$script" && assert_success
  wait_until "the archive and the library are made" prepared
  cp -a "$state" "$kept"
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
