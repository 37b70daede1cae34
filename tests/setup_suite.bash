# Builds every script once before the suites run, so the first test of each does not also pay
# for compiling it (and a script that does not compile fails here, with the compiler's message).
setup_suite() {
  local kit script
  kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for script in "$kit"/scripts/*.java; do
    "$kit/jbang" build "$script" >&2 || return 1
  done
}
