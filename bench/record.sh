#!/usr/bin/env bash
# What mode record adds to a detect run: 40 small applied roots, the action
# run as the runner starts it (GITHUB_ACTIONS=true), mode detect vs mode
# record, in one run, alternating; medians and the ratio. The record pushes
# to a local bare remote, so GitHub's network time is not included.
#
#   bash bench/record.sh            REPS=5 ROOTS=40 PAR=2
set -euo pipefail
REPS=${REPS:-5}
ROOTS=${ROOTS:-40}
PAR=${PAR:-2}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/drift-bench-record.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building drift-action"
(cd "$REPO" && go build -o "$WORK/drift-action" .)

ws="$WORK/ws"
mkdir -p "$ws"
export TF_PLUGIN_CACHE_DIR="$WORK/plugins" CHECKPOINT_DISABLE=1
log "applying $ROOTS roots"
for i in $(seq 1 "$ROOTS"); do
	d="$ws/roots/r$i"
	mkdir -p "$d"
	printf 'resource "terraform_data" "x" {\n  count = 5\n  input = count.index\n}\n' >"$d/main.tf"
	(cd "$d" && terraform init -input=false >/dev/null && terraform apply -auto-approve -input=false >/dev/null)
done
git -c init.defaultBranch=main init -q --bare "$WORK/remote.git"
(
	cd "$ws"
	git -c init.defaultBranch=main init -q
	printf '.terraform/\n*.tfstate*\n.terraform.lock.hcl\n.drift-action/\n' >.gitignore
	git add . && git -c user.name=b -c user.email=b@example.com commit -qm infra
	git remote add origin "$WORK/remote.git" && git push -qu origin main
)

run() { # mode -> seconds
	local mode=$1 tmp
	tmp=$(mktemp -d "$WORK/run.XXXX")
	: >"$tmp/out"
	: >"$tmp/sum"
	local start end
	start=$(date +%s.%N)
	env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$ws" GITHUB_EVENT_NAME=schedule GITHUB_OUTPUT="$tmp/out" \
		GITHUB_STEP_SUMMARY="$tmp/sum" GITHUB_REPOSITORY=acme/infra GITHUB_RUN_ID="$RANDOM$RANDOM" GITHUB_SHA=0000000000000000000000000000000000000000 \
		GITHUB_REF_NAME=main INPUT_MODE="$mode" INPUT_PARALLELISM="$PAR" INPUT_POLICIES=none \
		"$WORK/drift-action" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
	end=$(date +%s.%N)
	echo "$end - $start" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run detect >/dev/null # warm-up: provider cache, first record commit
run record >/dev/null
det=() rec=()
for i in $(seq 1 "$REPS"); do
	det+=("$(run detect)")
	rec+=("$(run record)")
	log "rep $i: detect ${det[-1]}s record ${rec[-1]}s"
done
d=$(printf '%s\n' "${det[@]}" | median)
r=$(printf '%s\n' "${rec[@]}" | median)
printf '\n| %d roots, parallelism %d | detect | record | record − detect | ratio |\n|---|---:|---:|---:|---:|\n' "$ROOTS" "$PAR"
printf '| median of %d, wall s | %.2f | %.2f | %.2f | %.3f |\n' "$REPS" "$d" "$r" "$(echo "$r - $d" | bc)" "$(echo "$r / $d" | bc -l)"
printf '\nload average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
