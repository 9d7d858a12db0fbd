#!/usr/bin/env bash
# Deploy one or more stacks with Pulumi, then regenerate their architecture docs from the real,
# just-deployed stack state (not from the program under mocks).
#
#   scripts/deploy-and-document.sh <stack> [<stack>...]   deploy and document these stacks
#   scripts/deploy-and-document.sh --all                  every Pulumi.<stack>.yaml, shared first
#
# The docs of the deployed state go to docs/deployed/ (the committed docs/architecture/ is generated
# from the program offline, and that is what CI checks). Extra generator flags go after `--`, e.g.
# `-- --out docs/architecture`, `-- --no-png` or `-- --fail-on high`.
# The exports are kept in .pulumi/exports/<stack>.json (gitignored): a stable path, so the docs,
# which name their source, do not change from run to run.
# Environment: PULUMI_UP_FLAGS (default `--yes`) is passed to `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "deploy-and-document: $*" >&2; exit 2; }

stacks=()
gen_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all)
      for f in Pulumi.*.yaml; do
        [ -e "$f" ] || die "no Pulumi.<stack>.yaml in $(pwd)"
        s="${f#Pulumi.}"; s="${s%.yaml}"
        stacks+=("$s")
      done
      ;;
    --) shift; gen_flags=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown flag '$1' (accepted: --all, --help, and generator flags after --)" ;;
    *) stacks+=("$1") ;;
  esac
  shift
done
[ ${#stacks[@]} -gt 0 ] || die "no stack given (usage: $0 <stack>... | --all [-- <generator flags>])"

if ! command -v pulumi >/dev/null 2>&1; then
  die "the pulumi CLI is not installed or not on PATH (https://www.pulumi.com/docs/install/); it is needed for 'pulumi up' and 'pulumi stack export'"
fi

# The shared stack holds the keys and trail the environments reference: deploy it first.
ordered=()
for s in "${stacks[@]}"; do [ "$s" = shared ] && ordered+=("$s"); done
for s in "${stacks[@]}"; do [ "$s" != shared ] && ordered+=("$s"); done

exports=.pulumi/exports
mkdir -p "$exports"

state_flags=()
for s in "${ordered[@]}"; do
  echo "deploy-and-document: pulumi up --stack $s" >&2
  # shellcheck disable=SC2086
  pulumi up --stack "$s" ${PULUMI_UP_FLAGS:---yes}
  # The export keeps secrets encrypted (no --show-secrets); the generator redacts them anyway.
  pulumi stack export --stack "$s" > "$exports/$s.json.tmp"
  mv "$exports/$s.json.tmp" "$exports/$s.json"
  state_flags+=(--state "$exports/$s.json")
done

# Document all deployed stacks in one run, so cross-stack references (shared keys) resolve.
echo "deploy-and-document: npm run diagrams -- ${state_flags[*]} ${gen_flags[*]:-}" >&2
npm run --silent diagrams -- generate --out docs/deployed "${state_flags[@]}" "${gen_flags[@]}"
