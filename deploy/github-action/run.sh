#!/usr/bin/env bash
# The prodready GitHub Action's logic (action.yml at the repository root runs
# it; cmd/prodready/check_format_action_test.go runs it on the demo).
#
# 1. Finds prodready: $PRODREADY_BIN if set; else the release INPUT_VERSION
#    (checked against the release's SHA256SUMS); else (no version, or the
#    release has no binary for this runner) builds it from the action's own
#    source with the Go that actions/setup-go put on PATH.
# 2. Runs `prodready check --format github` on the services (by default the
#    one of $GITHUB_REPOSITORY), appending the markdown summary to
#    $GITHUB_STEP_SUMMARY and level=, levels=, passed=, regressions= to
#    $GITHUB_OUTPUT, and exits with check's status (0 pass, 1 fail, 2 error).
set -euo pipefail

say() { printf 'prodready action: %s\n' "$*" >&2; }
# die: a workflow error annotation (the runner reads commands on stderr too,
# and stdout is captured where die runs in $(...)), and exit status 2.
die() {
  printf '::error title=prodready action::%s\n' "$*" >&2
  exit 2
}

action_root=${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

# --- 1. the binary --------------------------------------------------------------
platform() {
  local os arch
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux) os=linux ;;
    macOS | Darwin) os=darwin ;;
    Windows | MINGW* | MSYS*) os=windows ;;
    *) return 1 ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=amd64 ;;
    ARM64 | arm64 | aarch64) arch=arm64 ;;
    *) return 1 ;;
  esac
  printf '%s-%s' "$os" "$arch"
}

# download VERSION: prints the path of the release binary; returns 1 when the
# release has no binary for this runner, and exits 2 (no fallback) when the
# binary does not match the release's SHA256SUMS.
# sha256check: sha256sum -c on the lines of SHA256SUMS given on stdin;
# macOS runners have shasum instead.
sha256check() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -c --quiet -
  else
    shasum -a 256 -c --quiet -
  fi
}

download() {
  local version=${1#v} plat repo base dir file
  plat=$(platform) || return 1
  # The names .goreleaser.yaml gives the release's binaries.
  file="prodready-$plat"
  case $plat in windows-*) file="$file.exe" ;; esac
  repo=${ACTION_REPOSITORY:-prodready/prodready}
  # PRODREADY_RELEASES_URL: a mirror of the releases (GitHub Enterprise, tests).
  base="${PRODREADY_RELEASES_URL:-https://github.com/$repo/releases/download}/v$version"
  dir=$(mktemp -d "$tmp/prodready-release.XXXXXX")
  curl -fsSL --retry 3 -o "$dir/$file" "$base/$file" 2>/dev/null || return 1
  curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$base/SHA256SUMS" ||
    die "release v$version has $file but no SHA256SUMS to check it against"
  grep -q " \*\?$file\$" "$dir/SHA256SUMS" ||
    die "release v$version's SHA256SUMS has no line for $file: it cannot be checked"
  (cd "$dir" && grep " \*\?$file\$" SHA256SUMS | sha256check) >&2 ||
    die "$file of release v$version does not match its SHA256SUMS"
  chmod +x "$dir/$file"
  printf '%s' "$dir/$file"
}

build() {
  command -v go >/dev/null 2>&1 ||
    die "no Go to build prodready with: leave the version input empty (the action then sets Go up), or run actions/setup-go first"
  local out label
  out="$tmp/prodready-build/prodready"
  label=${ACTION_REF:-source}
  say "building prodready from $action_root ($label)"
  # The flags of deploy/Dockerfile: a static binary, and one build cache for both.
  (cd "$action_root" && CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags "-s -w -X main.version=$label" -o "$out" ./cmd/prodready) >&2 ||
    die "go build of prodready failed (see the log above)"
  printf '%s' "$out"
}

bin=${PRODREADY_BIN:-}
if [ -z "$bin" ] && [ -n "${INPUT_VERSION:-}" ]; then
  status=0
  bin=$(download "$INPUT_VERSION") || status=$?
  case $status in
    0) say "using release ${INPUT_VERSION#v}" ;;
    1)
      bin=""
      say "release ${INPUT_VERSION#v} has no binary for $(platform || uname -sm); building from source instead"
      ;;
    *) exit "$status" ;;
  esac
fi
[ -n "$bin" ] || bin=$(build)
[ -x "$bin" ] || die "prodready binary $bin is not executable"

# --- 2. the check ----------------------------------------------------------------
# Only the source inputs that are set become variables, so that a variable
# the workflow sets in env: is not blanked by an empty input.
for pair in PORT_CLIENT_ID:INPUT_PORT_CLIENT_ID PORT_CLIENT_SECRET:INPUT_PORT_CLIENT_SECRET \
  PORT_REGION:INPUT_PORT_REGION PORT_API_URL:INPUT_PORT_API_URL \
  PORT_BLUEPRINT:INPUT_PORT_BLUEPRINT PORT_SCORECARDS:INPUT_PORT_SCORECARDS \
  BACKSTAGE_URL:INPUT_BACKSTAGE_URL BACKSTAGE_TOKEN:INPUT_BACKSTAGE_TOKEN BACKSTAGE_FILTER:INPUT_BACKSTAGE_FILTER \
  PRODREADY_GITHUB_ORG:INPUT_GITHUB_ORG GITHUB_TOKEN:INPUT_GITHUB_TOKEN GITHUB_API_URL:INPUT_GITHUB_API_URL \
  PAGERDUTY_TOKEN:INPUT_PAGERDUTY_TOKEN PAGERDUTY_API_URL:INPUT_PAGERDUTY_API_URL \
  PRODREADY_API_TOKEN:INPUT_API_TOKEN; do
  input=${pair#*:}
  value=${!input:-}
  [ -z "$value" ] || export "${pair%%:*}=$value"
done

# list: the items of a comma- or newline-separated input, trimmed, one a line.
list() { printf '%s\n' "$1" | tr ',' '\n' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }

args=(check --format github)
[ -z "${GITHUB_STEP_SUMMARY:-}" ] || args+=(--summary "$GITHUB_STEP_SUMMARY")
[ -z "${GITHUB_OUTPUT:-}" ] || args+=(--github-output "$GITHUB_OUTPUT")
[ -z "${INPUT_MIN_LEVEL:-}" ] || args+=(--min-level "$INPUT_MIN_LEVEL")
[ -z "${INPUT_SCORECARD:-}" ] || args+=(--scorecard "$INPUT_SCORECARD")
[ -z "${INPUT_CATALOG:-}" ] || args+=(--catalog "$INPUT_CATALOG")
while IFS= read -r f; do args+=(--scorecards "$f"); done < <(list "${INPUT_SCORECARDS:-}")
[ -z "${INPUT_BASELINE:-}" ] || args+=(--baseline "$INPUT_BASELINE")
[ -z "${INPUT_WRITE_BASELINE:-}" ] || args+=(--write-baseline "$INPUT_WRITE_BASELINE")
# The commit and run URL come from GITHUB_SHA and GITHUB_RUN_ID: check reads them.
[ -z "${INPUT_REPORT_TO:-}" ] || args+=(--report-to "$INPUT_REPORT_TO")

services=()
while IFS= read -r s; do services+=("$s"); done < <(list "${INPUT_SERVICES:-}")
if [ "${#services[@]}" -eq 0 ]; then
  [ -n "${GITHUB_REPOSITORY:-}" ] ||
    die "no services input and no GITHUB_REPOSITORY to find this repository's service by"
  args+=(--repository "$GITHUB_REPOSITORY")
elif [ "${#services[@]}" -eq 1 ] && [ "${services[0]}" = "*" ]; then
  : # the whole catalog
else
  args+=(-- "${services[@]}")
fi

set +e
"$bin" "${args[@]}"
code=$?
set -e
case $code in
  0) say "passed" ;;
  1) say "failed: see the annotations and the job summary" ;;
  *) say "prodready check could not evaluate (exit $code): see the log above" ;;
esac
exit "$code"
