# Runs every script once before the suites run, so the first test of each does not also pay for
# compiling it and for the launcher's first look at it (and a script that does not compile fails
# here, with the compiler's message). Several at a time where tests/run runs tests side by side
# (UDS_KIT_TEST_JOBS); not again for its second round (UDS_KIT_WARMED_UP).
setup_suite() {
  local kit
  [ -z "${UDS_KIT_WARMED_UP:-}" ] || return 0
  kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  printf '%s\0' "$kit"/scripts/*.java |
    xargs -0 -n 1 -P "${UDS_KIT_TEST_JOBS:-1}" sh -c '"$0" "$1" --version >/dev/null' "$kit/jbang"
}
