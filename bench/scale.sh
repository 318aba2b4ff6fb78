#!/usr/bin/env bash
# Scale out: ROOTS small roots split into SHARDS matrix jobs, run here one
# after another as GitHub Actions would run them side by side, then the
# aggregate job over their results. See bench/README.md, section 7.
#
#   bash bench/scale.sh                       ROOTS=1000 SHARDS=20 PAR=2
#   BENCH_WORK=/var/tmp/scale bash bench/scale.sh   # keep (and reuse) the fixture
#
# Environment knobs (all optional):
#   ROOTS=1000      small roots (one terraform_data each, state in place)
#   SHARDS=20       matrix jobs (shard-size is ROOTS/SHARDS, rounded up)
#   PAR=2           each job's parallelism
#   AGG_REPS=5      aggregate runs (median and max reported; no terraform in them)
#   BASELINE=1      also plan shard 1's roots with bare terraform (xargs -P PAR
#                   init + plan), the work a job's user would otherwise script,
#                   alternating BASE_REPS=3 times with drift-action's shard 1
#   POLICIES=       the action's policies input ("": drift.yaml decides, the
#                   bundled policies; none: no policy evaluation)
#   BENCH_WORK=DIR  use (and keep) DIR; a fixture of the same ROOTS there is reused
set -euo pipefail

ROOTS=${ROOTS:-1000}
SHARDS=${SHARDS:-20}
PAR=${PAR:-2}
AGG_REPS=${AGG_REPS:-5}
BASELINE=${BASELINE:-1}
BASE_REPS=${BASE_REPS:-3}
AGG_TIME_GOAL=1.0 # s
AGG_RSS_GOAL=100  # MiB

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TF=$(command -v terraform) || { echo "bench: terraform not found on PATH" >&2; exit 1; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	log "installing GNU time"
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq time >/dev/null
	else
		sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null
	fi
fi

if [ -n "${BENCH_WORK:-}" ]; then
	mkdir -p "$BENCH_WORK"
	WORK=$(cd "$BENCH_WORK" && pwd)
	trap 'exit 130' INT TERM
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/drift-bench-scale.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
fi
exec 9>"$WORK/.lock"
if command -v flock >/dev/null && ! flock -n 9; then
	echo "bench: another run is using $WORK; wait for it to finish" >&2
	exit 1
fi
RUN="$WORK/run"
rm -rf "$RUN"
mkdir -p "$RUN"

: >"$WORK/terraformrc"
export TF_CLI_CONFIG_FILE="$WORK/terraformrc" TF_PLUGIN_CACHE_DIR="$WORK/plugin-cache" TF_IN_AUTOMATION=1 NO_COLOR=1 CHECKPOINT_DISABLE=1
mkdir -p "$TF_PLUGIN_CACHE_DIR"
export TMPDIR="$RUN"

log "building drift-action"
(cd "$REPO" && go build -o "$WORK/drift-action" .)
DA="$WORK/drift-action"

# --- fixture: ROOTS roots, each clean ------------------------------------------
# One root is applied; its state is copied into every other (the same
# configuration, so each plan finds nothing to do). terraform_data is built
# in: no provider to download, nothing but terraform's own work per root.
WS="$WORK/ws"
if [ "$(cat "$WS/.roots" 2>/dev/null)" != "$ROOTS" ]; then
	rm -rf "$WS"
	mkdir -p "$WS/.github" "$WS/seed"
	printf 'resource "terraform_data" "x" {\n  input = "small"\n}\n' >"$WS/seed/main.tf"
	log "setup: applying one root, copying its state into $ROOTS"
	(cd "$WS/seed" && "$TF" init -input=false >/dev/null && "$TF" apply -input=false -auto-approve >/dev/null)
	for i in $(seq -w 1 "$ROOTS"); do
		d="$WS/roots/r$i"
		mkdir -p "$d"
		cp "$WS/seed/main.tf" "$WS/seed/terraform.tfstate" "$d/"
	done
	rm -rf "$WS/seed"
	echo "$ROOTS" >"$WS/.roots"
fi
SIZE=$(((ROOTS + SHARDS - 1) / SHARDS))
printf 'shard-size: %d\n' "$SIZE" >"$WS/.github/drift.yaml"

RUN_ID="$RANDOM$RANDOM"
# action MODE [INPUT=VALUE...]: the binary as the runner starts it; prints
# "wall_s peak_rss_kib exit dir". Wall time from the clock around it (GNU
# time's %e has 10 ms steps); peak RSS from GNU time: the largest of the
# process and its children, so terraform's for a detect job; aggregate
# starts no child, so its figure is drift-action's own.
action() {
	local mode=$1 tmp
	shift
	tmp=$(mktemp -d "$RUN/job.XXXX")
	: >"$tmp/out"
	: >"$tmp/sum"
	local inputs=()
	for kv in "$@"; do inputs+=("INPUT_${kv%%=*}=${kv#*=}"); done
	local code=0 s e
	s=$(date +%s%N)
	env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$WS" GITHUB_EVENT_NAME=schedule GITHUB_OUTPUT="$tmp/out" \
		GITHUB_STEP_SUMMARY="$tmp/sum" GITHUB_REPOSITORY=acme/infra GITHUB_RUN_ID="$RUN_ID" GITHUB_RUN_ATTEMPT=1 \
		GITHUB_SHA=0000000000000000000000000000000000000000 GITHUB_REF_NAME=main INPUT_MODE="$mode" \
		INPUT_PARALLELISM="$PAR" INPUT_PROGRESS-INTERVAL=0 "${inputs[@]}" \
		INPUT_POLICIES="${POLICIES:-}" /usr/bin/time -f '%M' -o "$tmp/time" "$DA" >"$tmp/log" 2>&1 || code=$?
	e=$(date +%s%N)
	echo "$(echo "scale=4; ($e - $s) / 1000000000" | bc) $(tail -1 "$tmp/time") $code $tmp"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maxof() { sort -n | tail -1; }

log "list: the matrix of $ROOTS roots"
read -r lwall lrss lcode ltmp < <(action list)
[ "$lcode" = 0 ] || { cat "$ltmp/log" >&2; exit 1; }
jobs=$(grep -o '"shard"' "$ltmp/out" | wc -l)
log "list: ${lwall}s, matrix of $jobs job(s)"

rm -rf "$WS/drift-results" "$WS/.drift-action"
walls=()
for i in $(seq 1 "$SHARDS"); do
	read -r w rss code tmp < <(action detect "SHARD=$i/$SHARDS")
	# 0 clean; anything else means the fixture is not what it should be.
	[ "$code" = 0 ] || { tail -50 "$tmp/log" >&2; echo "bench: shard $i/$SHARDS exited $code" >&2; exit 1; }
	mkdir -p "$WS/drift-results/shard-$i"
	mv "$WS/.drift-action/result-$i-of-$SHARDS.json" "$WS/drift-results/shard-$i/result.json"
	walls+=("$w")
	log "shard $i/$SHARDS: ${w}s (load $(cut -d' ' -f1 /proc/loadavg))"
done

# Shard 1 again, alternating with bare terraform on the same roots, so load
# from elsewhere on the machine falls on both alike.
bw=() dw=()
if [ "$BASELINE" = 1 ]; then
	roots=("$WS"/roots/r*) # in the order discovery sorts them: shard 1's
	printf '%s\n' "${roots[@]:0:$SIZE}" >"$RUN/shard1.txt"
	for r in $(seq 1 "$BASE_REPS"); do
		read -r w rss code tmp < <(action detect "SHARD=1/$SHARDS")
		[ "$code" = 0 ] || { tail -50 "$tmp/log" >&2; exit 1; }
		dw+=("$w")
		rm -rf "$RUN"/tfdata-* "$RUN"/plan-*
		s=$(date +%s%N)
		xargs -P"$PAR" -I{} sh -c 'n=$(basename {}); cd {} && TF_DATA_DIR="$TMPDIR/tfdata-$n" terraform init -input=false >/dev/null && TF_DATA_DIR="$TMPDIR/tfdata-$n" terraform plan -input=false -out="$TMPDIR/plan-$n" >/dev/null' <"$RUN/shard1.txt"
		bw+=("$(echo "scale=4; ($(date +%s%N) - $s) / 1000000000" | bc)")
		log "baseline rep $r: drift-action ${dw[-1]}s, terraform ${bw[-1]}s"
	done
fi

aw=() ar=()
for r in $(seq 1 "$AGG_REPS"); do
	read -r w rss code tmp < <(action aggregate)
	[ "$code" = 0 ] || { tail -50 "$tmp/log" >&2; echo "bench: aggregate exited $code" >&2; exit 1; }
	aw+=("$w")
	ar+=("$rss")
done
merged=$(grep -o 'merged [0-9]* of [0-9]* result file(s), [0-9]* target(s)' "$tmp/log")

jq_w=
if command -v jq >/dev/null; then
	s=$(date +%s.%N)
	jq -s '{roots: (map(.roots) | add), drifted: (map(.drifted) | any)}' "$WS"/drift-results/*/result.json >/dev/null
	jq_w=$(echo "$(date +%s.%N) - $s" | bc)
fi

sw=$(printf '%s\n' "${walls[@]}" | median)
sx=$(printf '%s\n' "${walls[@]}" | maxof)
stot=$(printf '%s\n' "${walls[@]}" | paste -sd+ | bc)
amed=$(printf '%s\n' "${aw[@]}" | median)
amax=$(printf '%s\n' "${aw[@]}" | maxof)
rmax=$(printf '%s\n' "${ar[@]}" | maxof)
rmib=$(echo "scale=1; $rmax / 1024" | bc)

printf '\n### Run of %s, %s, %d roots in %d shards of %d, parallelism %d\n\n' "$(date -u +%Y-%m-%d)" "$(terraform version | head -1)" "$ROOTS" "$SHARDS" "$SIZE" "$PAR"
printf '| step | median | max | total | goal |\n|---|---:|---:|---:|---|\n'
printf '| list (matrix of %s jobs) | %.2f s | | | |\n' "$jobs" "$lwall"
printf '| one shard (%d roots), wall | %.2f s | %.2f s | %.1f s for %d | |\n' "$SIZE" "$sw" "$sx" "$stot" "$SHARDS"
printf '| aggregate (%s), wall, %d runs | %.3f s | %.3f s | | < %s s |\n' "$merged" "$AGG_REPS" "$amed" "$amax" "$AGG_TIME_GOAL"
printf '| aggregate, peak RSS | | %s MiB | | < %s MiB |\n' "$rmib" "$AGG_RSS_GOAL"
if [ "${#bw[@]}" -gt 0 ]; then
	dm=$(printf '%s\n' "${dw[@]}" | median)
	bm=$(printf '%s\n' "${bw[@]}" | median)
	printf '\nShard 1 against bare terraform on the same %d roots (xargs -P%d, init + plan -out each), alternating, median of %d: %.2f s vs %.2f s, ratio %.2f\n' "$SIZE" "$PAR" "$BASE_REPS" "$dm" "$bm" "$(echo "$dm / $bm" | bc -l)"
	printf 'Walls (s): drift-action %s; terraform %s\n' "${dw[*]}" "${bw[*]}"
fi
if [ -n "$jq_w" ]; then
	printf 'Aggregate against jq merging the same %d result files (jq -s, roots concatenated): %.3f s vs %.3f s, ratio %.2f\n' "$SHARDS" "$amed" "$jq_w" "$(echo "$amed / $jq_w" | bc -l)"
fi
printf 'Per-shard walls (s): %s\n' "${walls[*]}"
printf 'Aggregate walls (s): %s; peak RSS (KiB): %s\n' "${aw[*]}" "${ar[*]}"
printf 'Load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
