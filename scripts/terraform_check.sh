#!/usr/bin/env bash
# Terraform checks of `make test` (target `terraform`): formatting, `init` + `validate` of
# every environment and of the state bootstrap, `terraform test` of every module (and of an
# environment that has tests), and checkov with no failed check allowed. One line per step; on a failure, the
# failing commands' output.
#
# Skipped with a note when terraform is not on PATH. Where the provider mirror
# /opt/tf-plugins exists, terraform/terraformrc makes Terraform install hashicorp/aws from it
# (no network); elsewhere providers are downloaded once into a plugin cache. Everything
# Terraform writes goes under .terraform-check/: the checks run on a copy of terraform/ and
# statemachines/ there (init writes .terraform.lock.hcl next to the configuration), with one
# data directory per configuration, kept between runs. Configurations are checked
# TF_CHECK_JOBS at a time (default 2) while checkov runs alongside.
#
# Environment: UV, the uv that runs checkov (default: uv on PATH, else .tools/bin/uv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform: skipped (terraform is not on PATH)"
  exit 0
fi

CHECKOV_VERSION="3.2.533"
JOBS="${TF_CHECK_JOBS:-2}"
WORK="$ROOT/.terraform-check"
TREE="$WORK/tree"
LOGS="$WORK/logs"
started=$SECONDS

export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
if [[ -d /opt/tf-plugins ]]; then
  export TF_CLI_CONFIG_FILE="$ROOT/terraform/terraformrc"
else
  mkdir -p "$WORK/plugin-cache"
  export TF_PLUGIN_CACHE_DIR="$WORK/plugin-cache"
fi

# One check at a time: runs share the copy, the logs and the data directories.
mkdir -p "$WORK"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$WORK/lock"
  if ! flock -n 9; then
    echo "terraform: waiting for another terraform check to finish"
    flock 9
  fi
fi

rm -rf "$TREE" "$LOGS"
mkdir -p "$TREE" "$LOGS" "$WORK/data"

fail() {
  echo "$1"
  exit 1
}

# Formatting is checked on the real tree.
if ! terraform fmt -check -recursive -diff terraform >"$LOGS/fmt.log" 2>&1; then
  cat "$LOGS/fmt.log"
  fail "terraform fmt: FAILED (run: terraform fmt -recursive terraform)"
fi
echo "terraform fmt: ok"

# Checkov reads the real tree. Test files are not deployable configuration (and its HCL
# parser times out on their long assertions); nothing is fetched from the Prisma Cloud API.
UV="${UV:-$(command -v uv || echo .tools/bin/uv)}"
checkov_pid=""
if command -v "$UV" >/dev/null 2>&1; then
  "$UV" tool run --from "checkov==$CHECKOV_VERSION" checkov -d terraform --framework terraform \
    --quiet --compact --skip-download --skip-path '/tests/' >"$LOGS/checkov.log" 2>&1 &
  checkov_pid=$!
  trap '[[ -z "$checkov_pid" ]] || kill "$checkov_pid" 2>/dev/null || true' EXIT
fi

cp -R terraform statemachines "$TREE/"

# check DIR: init, validate (root configurations: environments, bootstrap), test (when DIR
# has tests) in DIR of the copy, with DIR's own data directory. Leaves DIR's log and exit
# status in $LOGS.
check() {
  local dir="$1" name="${1//\//_}" status=0
  local log="$LOGS/$name.log"
  tf() {
    echo "\$ terraform -chdir=$dir $*" >>"$log"
    TF_DATA_DIR="$WORK/data/$name" terraform -chdir="$TREE/$dir" "$@" >>"$log" 2>&1
  }
  tf init -backend=false -input=false -no-color || status=$?
  if ((status == 0)) && [[ "$dir" != terraform/modules/* ]]; then
    tf validate -no-color || status=$?
  fi
  if ((status == 0)) && compgen -G "$dir/tests/*.tftest.hcl" >/dev/null; then
    tf test -no-color || status=$?
  fi
  echo "$status" >"$LOGS/$name.rc"
}

roots=(terraform/envs/*/ terraform/bootstrap/)
modules=(terraform/modules/*/)
roots=("${roots[@]%/}")
modules=("${modules[@]%/}")
for module in "${modules[@]}"; do
  compgen -G "$module/tests/*.tftest.hcl" >/dev/null || fail "terraform test: FAILED: $module has no tests/*.tftest.hcl"
done

pids=()
running() {
  local pid count=0
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then count=$((count + 1)); fi
  done
  echo "$count"
}
for dir in "${roots[@]}" "${modules[@]}"; do
  while (($(running) >= JOBS)); do sleep 0.2; done
  check "$dir" &
  pids+=($!)
done
wait "${pids[@]}" || true

# report STEP DIR...: fails STEP with the logs of the DIRs that failed.
report() {
  local step="$1" dir name failed=()
  shift
  for dir in "$@"; do
    name="${dir//\//_}"
    if [[ "$(cat "$LOGS/$name.rc" 2>/dev/null)" != "0" ]]; then
      cat "$LOGS/$name.log"
      failed+=("$dir")
    fi
  done
  ((${#failed[@]} == 0)) || fail "$step: FAILED in ${failed[*]}"
}
# passed_runs DIR...: test runs that passed in the DIRs' logs.
passed_runs() {
  local dir count=0
  for dir in "$@"; do
    count=$((count + $(grep -c '^  run ".*\.\.\. pass$' "$LOGS/${dir//\//_}.log" || true)))
  done
  echo "$count"
}

report "terraform validate" "${roots[@]}"
echo "terraform validate: ${#roots[@]} root configurations valid (${roots[*]#terraform/}); $(passed_runs "${roots[@]}") test runs passed"
report "terraform test" "${modules[@]}"
echo "terraform test: ${#modules[@]} modules, $(passed_runs "${modules[@]}") runs passed"

if [[ -z "$checkov_pid" ]]; then
  echo "checkov: skipped (no uv to run it with; set UV)"
else
  checkov_status=0
  wait "$checkov_pid" || checkov_status=$?
  checkov_pid=""
  if ((checkov_status != 0)); then
    cat "$LOGS/checkov.log"
    fail "checkov: FAILED"
  fi
  echo "checkov: $(grep -m1 -o 'Passed checks: [0-9]*, Failed checks: [0-9]*, Skipped checks: [0-9]*' "$LOGS/checkov.log")"
fi

echo "terraform: all checks passed in $((SECONDS - started)) s"
