# ffm_java_home: prints the home of a JDK 22 or newer, where the FFM API is final (the lessons with
# `//JAVA 22+`): $JAVA_HOME's JDK if it is one, else the first in /usr/lib/jvm (as .ci/run finds its
# JDK 25); prints nothing if the machine has none. JBang cannot download a JDK here, and does not look
# in /usr/lib/jvm itself: a lesson for JDK 22+ runs with JAVA_HOME set to this.
# Sourced by helpers.bash and setup_suite.bash.
ffm_java_home() {
  local release feature
  for release in ${JAVA_HOME:+"$JAVA_HOME/release"} /usr/lib/jvm/*/release; do
    [ -f "$release" ] || continue
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$feature" ] && [ "$feature" -ge 22 ] && [ -x "${release%/release}/bin/java" ]; then
      echo "${release%/release}"
      return 0
    fi
  done
}
