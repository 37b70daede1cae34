# Runs every script once before the suites run, so the first test of each does not also pay for
# compiling it and for the launcher's first look at it (and a script that does not compile fails
# here, with the compiler's message).
setup_suite() {
  local kit script
  kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for script in "$kit"/scripts/*.java; do
    "$kit/jbang" "$script" --version >/dev/null || return 1
  done
}
