#!/usr/bin/env bats
# The catalog works wherever JBang users reference it, with stock JBang (tests/stock-jbang) and a
# JBANG_DIR and HOME of the test's own: by alias in the kit and its subfolders, by path and by URL
# from elsewhere, as an added catalog, as an installed app, and for `jbang init -t`.

# bats file_tags=jdk-neutral

load helpers

setup() {
  elsewhere=$(mktemp -d "$BATS_TEST_TMPDIR/elsewhere.XXXXXX")
}

# serve_kit: the kit's tracked files, served read-only on 127.0.0.1 as a Git host serves them (a
# symlink as a text file holding its target's name); sets $url.
serve_kit() {
  local copy=$BATS_TEST_TMPDIR/served link target
  mkdir "$copy"
  copy_kit "$copy"
  while IFS= read -r link; do
    target=$(readlink "$link")
    rm "$link"
    echo "$target" >"$link"
  done < <(find "$copy" -type l)
  chmod -R a-w "$copy"
  start_server http python3 -u -m http.server --bind 127.0.0.1 --directory "$copy" 0
  wait_for_output http "^Serving HTTP on 127\.0\.0\.1 port [0-9]+"
  url=http://127.0.0.1:$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/http.log")
}

@test "the aliases and templates are in the root jbang-catalog.json; catalog.json is that file, not a copy" {
  run python3 -c '
import json, os, sys
kit = sys.argv[1]
catalog = json.load(open(os.path.join(kit, "jbang-catalog.json")))
for name, alias in sorted(catalog["aliases"].items()):
    assert os.path.isfile(os.path.join(kit, alias["script-ref"])), name
    assert alias["description"].strip(), name
    print(name)
for name, template in catalog["templates"].items():
    for target in template["file-refs"].values():
        assert os.path.isfile(os.path.join(kit, target)), name
print(len(catalog["templates"]), "templates")' "$KIT"
  assert_success
  for lesson in "${LESSONS[@]}" "${FFM_LESSONS[@]}"; do
    case $lesson in *.java) assert_line "$(basename "$lesson" .java)" ;; esac
  done
  assert_line uds
  assert_line "3 templates"
  [ "$(readlink "$KIT/catalog.json")" = jbang-catalog.json ]
}

@test "every alias names its script as JBang resolves it; an alias runs by its name at the kit's root (./jbang), and stock jbang runs uds@catalog" {
  cd "$KIT"
  # JBang's own view of the catalog, in one JVM: each alias, the file JBang runs for it. (Every script
  # runs by its path before the suites start; the launcher's way with aliases is tested in 010.)
  run --separate-stderr ./jbang alias list --format=json
  assert_success
  run python3 -c '
import json, sys
for alias in json.loads(sys.argv[1]):
    print(alias["name"], alias["scriptRef"])' "$output"
  for script in "$KIT"/scripts/*.java "$KIT"/scripts/*.jsh; do
    name=$(basename "$script")
    assert_line "${name%.*} $script"
  done
  run --separate-stderr ./jbang socketpair --version
  assert_success
  assert_output "uds-kit 0.1.0"
  use_stock_jbang
  run --separate-stderr jbang uds@catalog --version
  assert_success
  assert_output "uds-kit 0.1.0"
}

@test "jbang uds works from any subfolder of the kit" {
  use_stock_jbang
  for folder in scripts tests lib; do
    cd "$KIT/$folder"
    run --separate-stderr jbang uds --version
    assert_success
    assert_output "uds-kit 0.1.0"
  done
}

@test "jbang uds@/path/to/kit and uds@/path/to/kit/jbang-catalog.json work from another folder" {
  use_stock_jbang
  cd "$elsewhere"
  run --separate-stderr jbang "uds@$KIT" --version
  assert_success
  assert_output "uds-kit 0.1.0"
  run --separate-stderr jbang "uds@$KIT/jbang-catalog.json" client --help
  assert_success
  assert_line --index 0 --regexp "^Usage: uds client "
}

@test "the kit served over HTTP: jbang uds@URL tour, and a lesson by its URL, from another folder" {
  use_stock_jbang
  serve_kit
  cd "$elsewhere"
  name=$(unique http)
  run --separate-stderr jbang "uds@$url/jbang-catalog.json" tour --name "$name" --folder "$BATS_TEST_TMPDIR/http-tour"
  assert_success
  assert_line "Every step behaved as the post says."
  run --separate-stderr jbang "$url/scripts/abstract-client.java" --version
  assert_success
  assert_output "uds-kit 0.1.0"
}

@test "jbang catalog add, by path and by URL: then uds@NAME from anywhere" {
  use_stock_jbang
  serve_kit
  cd "$elsewhere"
  # --global: into JBANG_DIR's catalog (without it JBang adds to the nearest jbang-catalog.json it finds)
  run --separate-stderr jbang catalog add --global --name kit "$KIT/jbang-catalog.json"
  assert_success
  run --separate-stderr jbang catalog add --global --name webkit "$url/jbang-catalog.json"
  assert_success
  assert [ -f "$JBANG_DIR/jbang-catalog.json" ]
  cd /
  for catalog in kit webkit; do
    run --separate-stderr jbang "uds@$catalog" --version
    assert_success
    assert_output "uds-kit 0.1.0"
    run --separate-stderr jbang "abstract-server@$catalog" --help
    assert_line --index 0 --regexp "^Usage: abstract-server "
  done
}

@test "jbang app install, by alias and by file: uds runs from an unrelated folder; the user's own home is not touched" {
  own_home=$(getent passwd "$(id -u)" | cut -d : -f 6) # where JBang would write without the test's user.home
  own_rc=$(stat -c '%Y %s' "$own_home/.bashrc" "$own_home/.zshrc" 2>&1 || true)
  use_stock_jbang
  run --separate-stderr jbang app install "uds@$KIT"
  assert_success
  # JBang puts its bin folder on PATH in the shell's start-up files of its home: the test's.
  grep -qF "$JBANG_DIR/bin" "$HOME/.bashrc"
  run --separate-stderr jbang app install --name uds-file "$KIT/scripts/uds.java"
  assert_success
  cd "$elsewhere"
  for command in uds uds-file; do
    name=$(unique "$command")
    PATH=$JBANG_DIR/bin:$PATH run --separate-stderr "$command" tour --name "$name" --folder "$BATS_TEST_TMPDIR/$command"
    assert_success
    assert_line "Every step behaved as the post says."
  done
  assert_equal "$(stat -c '%Y %s' "$own_home/.bashrc" "$own_home/.zshrc" 2>&1 || true)" "$own_rc"
}

@test "jbang init -t uds-server@PATH and @URL from another folder: the new file runs" {
  use_stock_jbang
  serve_kit
  cd "$elsewhere"
  run --separate-stderr jbang init -t "uds-server@$KIT/jbang-catalog.json" FromPath.java
  assert_success
  run --separate-stderr jbang init -t "uds-server@$url/jbang-catalog.json" FromUrl.java
  assert_success
  for file in FromPath FromUrl; do
    run --separate-stderr jbang "$file.java" --help
    assert_success
    assert_line --index 0 --regexp "^Usage: $file "
  done
}
