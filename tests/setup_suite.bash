# Runs every script once before the suites run, so the first test of each does not also pay for
# compiling it and for the launcher's first look at it (and a script that does not compile fails
# here, with the compiler's message; a lesson for JDK 22+ runs on one, if the machine has one). Then
# gets stock JBang ready for the run (use_stock_jbang):
# - a JBang cache of the run's own, holding the jars ./jbang just built: JBang keys a jar by the
#   content of its sources, so a lesson copied alone finds its own, and uds by path or by URL finds
#   the kit's, where each would otherwise be compiled anew in every test (tests that need JBang's
#   first compile ask for an empty cache);
# - a class-data archive of JBang's own classes, made by one run of it, so that its JVM starts in half
#   the time (what JBang does is the same).
setup_suite() {
  local kit script cache pid running=()
  kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  # shellcheck source=tests/ffm-jdk.bash
  source "$kit/tests/ffm-jdk.bash"
  # uds first, alone: its class path holds every jar the others name, so JBang resolves each
  # dependency once. Then two at a time: a run that finds the jar built is mostly JBang's JVM, on
  # one core.
  "$kit/jbang" "$kit/scripts/uds.java" --version >/dev/null || return 1
  for script in "$kit"/scripts/*.java; do
    [ "$script" != "$kit/scripts/uds.java" ] || continue
    if ! grep -qx '//JAVA 22+' "$script"; then
      "$kit/jbang" "$script" --version >/dev/null &
    elif [ -n "$(ffm_java_home)" ]; then # a lesson for the FFM API: on a JDK 22+, where there is one
      JAVA_HOME=$(ffm_java_home) "$kit/jbang" "$script" --version >/dev/null &
    else
      continue
    fi
    running+=("$!")
    if [ "${#running[@]}" -ge 2 ]; then
      wait "${running[0]}" || return 1
      running=("${running[@]:1}")
    fi
  done
  for pid in "${running[@]}"; do wait "$pid" || return 1; done
  # The playground is a .jsh, which JBang runs every time: its dependencies (junixsocket without
  # picocli) are a set of their own, which JBang resolves and says so ("[jbang] Resolving ...") the
  # first time. Resolved here, as for the scripts above; 210 checks a new user's first run apart.
  "$kit/jbang" info classpath "$kit/scripts/playground.jsh" >/dev/null || return 1

  # JBang's cache, where it put the first script's jar (JBang takes its home from Java's user.home,
  # which need not be $HOME).
  cache=$("$kit/jbang" info classpath "$kit/scripts/abstract-client.java") || return 1
  cache=${cache%%/jars/*}
  export STOCK_JBANG_CACHE=$BATS_RUN_TMPDIR/stock-jbang-cache
  mkdir -p "$STOCK_JBANG_CACHE"
  cp -r "$cache/jars" "$STOCK_JBANG_CACHE/"
  [ ! -f "$cache/dependency_cache.json" ] || cp "$cache/dependency_cache.json" "$STOCK_JBANG_CACHE/"
  # JBang's JVM with the options the kit's launcher starts it with (its JBANG_JVM_OPTIONS).
  STOCK_JBANG_JVM_OPTIONS=$(sed -n 's/^readonly JBANG_JVM_OPTIONS=(\(.*\))$/\1/p' "$kit/jbang")
  [ -n "$STOCK_JBANG_JVM_OPTIONS" ] || { echo "setup_suite: no JBANG_JVM_OPTIONS in $kit/jbang" >&2; return 1; }
  export STOCK_JBANG_JVM_OPTIONS
  mkdir -p "$BATS_RUN_TMPDIR/stock-jbang-home"
  if (cd "$BATS_RUN_TMPDIR" && HOME=$BATS_RUN_TMPDIR/stock-jbang-home JBANG_DIR=$BATS_RUN_TMPDIR/stock-jbang-home/.jbang \
    JBANG_CACHE_DIR=$STOCK_JBANG_CACHE JBANG_NO_VERSION_CHECK=true \
    JBANG_JAVA_OPTIONS="-Duser.home=$BATS_RUN_TMPDIR/stock-jbang-home -XX:ArchiveClassesAtExit=$BATS_RUN_TMPDIR/stock-jbang.jsa $STOCK_JBANG_JVM_OPTIONS" \
    "$kit/tests/stock-jbang" "uds@$kit" --version >/dev/null) && [ -s "$BATS_RUN_TMPDIR/stock-jbang.jsa" ]; then
    STOCK_JBANG_JVM_OPTIONS="-XX:SharedArchiveFile=$BATS_RUN_TMPDIR/stock-jbang.jsa $STOCK_JBANG_JVM_OPTIONS"
  fi
}
