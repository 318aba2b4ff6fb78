#!/usr/bin/env bash
# Benchmarks drift-action against bare terraform. See bench/README.md.
#
#   bash bench/run.sh
#
# Environment knobs (all optional):
#   REPS=3            measured repetitions per side, benchmark b (medians reported)
#   BIG_REPS=$REPS    measured repetitions per side, benchmark a
#   WARMUP=1          unmeasured runs per side before measuring
#   BIG_COUNT=10000   resources in the single large root (benchmark a)
#   ROOTS=40          number of small roots (benchmark b)
#   ROOT_COUNT=5      resources per small root
#   PAR=2             --parallelism for drift-action and -P for xargs
#   BREAKDOWN=1       also time the terraform commands drift-action starts
#                     (through a timing shim) and variants of both sides, to
#                     show where the time goes
#   BD_REPS=$REPS     repetitions of each breakdown variant for benchmark b
#   BD_BIG_REPS=1     repetitions of each breakdown step for benchmark a
#   BENCH_WORK=DIR    use (and keep) DIR for fixtures instead of a temp dir; an
#                     already applied fixture there is reused, saving the setup
#   TERRAFORM=terraform  terraform executable used by both sides
#   BENCHES="a b c"   which benchmarks to run
#   DRIFT_COUNT=$BIG_COUNT  resources in the drifted root (benchmark c)
#   DRIFT_REPS=$BIG_REPS    measured repetitions per side, benchmark c
#   BEFORE=REV        also build drift-action from git revision REV and
#                     measure it as a third side of benchmarks a and b (before
#                     and after a change, against the same baseline, in one run)
set -euo pipefail

REPS=${REPS:-3}
BIG_REPS=${BIG_REPS:-$REPS}
WARMUP=${WARMUP:-1}
BIG_COUNT=${BIG_COUNT:-10000}
ROOTS=${ROOTS:-40}
ROOT_COUNT=${ROOT_COUNT:-5}
PAR=${PAR:-2}
BREAKDOWN=${BREAKDOWN:-1}
BD_REPS=${BD_REPS:-$REPS}
BD_BIG_REPS=${BD_BIG_REPS:-1}
TERRAFORM=${TERRAFORM:-terraform}
BENCHES=${BENCHES:-a b c}
DRIFT_COUNT=${DRIFT_COUNT:-$BIG_COUNT}
DRIFT_REPS=${DRIFT_REPS:-$BIG_REPS}
GOAL=1.05
GOAL_B=1.00 # benchmark b: no slower than the xargs loop
GOAL_A=1.02 # benchmark a, wall (and CPU, reported beside it); RSS keeps GOAL
BEFORE=${BEFORE:-}
RSS_GOAL_C=0.5

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TF=$(command -v "$TERRAFORM") || { echo "bench: $TERRAFORM not found on PATH" >&2; exit 1; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- GNU time -----------------------------------------------------------------
if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	log "installing GNU time"
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq time >/dev/null
	else
		sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null
	fi
fi
GTIME=/usr/bin/time

# --- work directory -------------------------------------------------------------
if [ -n "${BENCH_WORK:-}" ]; then
	mkdir -p "$BENCH_WORK"
	WORK=$(cd "$BENCH_WORK" && pwd)
	KEEP=1
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/drift-bench.XXXXXX")
	KEEP=0
fi
cleanup() {
	if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Two runs on one work directory would trample each other's fixtures and
# timings (and two runs at once on one machine measure nothing useful).
exec 9>"$WORK/.lock"
if command -v flock >/dev/null && ! flock -n 9; then
	KEEP=1
	echo "bench: another run is using $WORK; wait for it to finish" >&2
	exit 1
fi
RUN="$WORK/run" # per-run scratch (timings, plan files, output)
rm -rf "$RUN"
mkdir -p "$RUN"

# --- identical environment for both sides -------------------------------------
# An empty CLI config so a user's ~/.terraformrc (mirrors, credentials, a
# missing TF_CLI_CONFIG_FILE) affects neither side; one shared plugin cache
# (terraform_data is built in, so it stays empty, but both sides see the same
# setting); TF_IN_AUTOMATION as terraform-exec sets it for drift-action's
# terraform anyway. CHECKPOINT_DISABLE is left as the caller has it: see README.
: >"$WORK/terraformrc"
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"
export TF_PLUGIN_CACHE_DIR="$WORK/plugin-cache"
export TF_IN_AUTOMATION=1
export NO_COLOR=1
mkdir -p "$TF_PLUGIN_CACHE_DIR"
# drift-action writes its plan files under TMPDIR; keep them in the work dir.
export TMPDIR="$RUN"

# --- build -----------------------------------------------------------------------
# Which source was measured: a hash over the module's Go files, go.mod/go.sum
# and policies/ (embedded in the binary), without needing git.
src_hash() {
	(cd "$REPO" && find . -path ./bench -prune -o -path ./.git -prune -o -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -path './policies/*' \) -print |
		LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
}
log "building drift-action from $REPO"
SRC_HASH=$(src_hash)
(cd "$REPO" && go build -o "$WORK/drift-action" .)
DA="$WORK/drift-action"
if [ "$(src_hash)" != "$SRC_HASH" ]; then SRC_HASH="$SRC_HASH (changed during the build)"; fi
DA_SIZE=$(($(stat -c %s "$DA") / 1024 / 1024))
DA_BEFORE=
if [ -n "$BEFORE" ]; then
	BEFORE_REV=$(cd "$REPO" && git rev-parse --short "$BEFORE")
	log "building drift-action from revision $BEFORE_REV (BEFORE)"
	rm -rf "$WORK/before-src"
	mkdir -p "$WORK/before-src"
	(cd "$REPO" && git archive "$BEFORE_REV") | tar -x -C "$WORK/before-src"
	(cd "$WORK/before-src" && go build -o "$WORK/drift-action-before" .)
	DA_BEFORE="$WORK/drift-action-before"
fi

# --- fixtures ----------------------------------------------------------------------
BIG="$WORK/big"
SMALL="$WORK/small"

tf_quiet() { "$TF" "$@" >"$RUN/setup.log" 2>&1 || { cat "$RUN/setup.log" >&2; return 1; }; }

want() { case " $BENCHES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

if want a && { [ ! -s "$BIG/terraform.tfstate" ] || [ "$(cat "$BIG/.count" 2>/dev/null)" != "$BIG_COUNT" ]; }; then
	rm -rf "$BIG"
	mkdir -p "$BIG"
	cat >"$BIG/main.tf" <<EOF
resource "terraform_data" "r" {
  count = $BIG_COUNT
  input = count.index
}
EOF
	log "setup: init + apply $BIG_COUNT resources in $BIG (not measured; may take many minutes)"
	s=$(date +%s)
	(cd "$BIG" && tf_quiet init -input=false && tf_quiet apply -input=false -auto-approve)
	echo "$BIG_COUNT" >"$BIG/.count"
	log "setup: applied in $(($(date +%s) - s)) s"
elif want a; then
	log "setup: reusing applied fixture $BIG"
fi

if want b && [ "$(cat "$SMALL/.count" 2>/dev/null)" != "$ROOTS x $ROOT_COUNT" ]; then
	rm -rf "$SMALL"
	mkdir -p "$SMALL/roots"
	log "setup: init + apply $ROOTS roots of $ROOT_COUNT resources in $SMALL/roots (not measured)"
	for i in $(seq -w 1 "$ROOTS"); do
		d="$SMALL/roots/r$i"
		mkdir -p "$d"
		cat >"$d/main.tf" <<EOF
resource "terraform_data" "r" {
  count = $ROOT_COUNT
  input = "root-$i-\${count.index}"
}
EOF
	done
	export TF
	ls -d "$SMALL"/roots/* | xargs -P"$PAR" -I{} sh -c 'cd {} && "$TF" init -input=false >/dev/null && "$TF" apply -input=false -auto-approve >/dev/null'
	echo "$ROOTS x $ROOT_COUNT" >"$SMALL/.count"
elif want b; then
	log "setup: reusing applied fixture $SMALL"
fi

# (c) a root whose every resource was edited out-of-band after the apply, so
# the plan has something to detail and drift-action runs `terraform show
# -json`. terraform_data's refresh keeps the stored state, so the edit is made
# in the state itself (state pull, change every instance's input/output,
# bump the serial, state push): terraform then plans to put every instance
# back (pending changes, not resource_drift entries). No provider is needed.
DRIFTD="$WORK/drift"
if want c && { [ ! -s "$DRIFTD/terraform.tfstate" ] || [ "$(cat "$DRIFTD/.count" 2>/dev/null)" != "$DRIFT_COUNT" ]; }; then
	rm -rf "$DRIFTD"
	mkdir -p "$DRIFTD"
	cat >"$DRIFTD/main.tf" <<TF
resource "terraform_data" "r" {
  count = $DRIFT_COUNT
  input = count.index
}
TF
	log "setup: init + apply $DRIFT_COUNT resources in $DRIFTD, then edit the state out-of-band (not measured; may take many minutes)"
	s=$(date +%s)
	(cd "$DRIFTD" && tf_quiet init -input=false && tf_quiet apply -input=false -auto-approve)
	(cd "$DRIFTD" && "$TF" state pull >"$RUN/drift-state.json")
	python3 - "$RUN/drift-state.json" <<'PY'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
for r in s["resources"]:
    for i in r["instances"]:
        for k in ("input", "output"):
            i["attributes"][k] = {"value": "edited out of band", "type": "string"}
s["serial"] += 1
json.dump(s, open(p, "w"))
PY
	(cd "$DRIFTD" && tf_quiet state push "$RUN/drift-state.json")
	echo "$DRIFT_COUNT" >"$DRIFTD/.count"
	log "setup: applied and edited in $(($(date +%s) - s)) s"
elif want c; then
	log "setup: reusing drifted fixture $DRIFTD"
fi

# --- measuring -------------------------------------------------------------------------
# timed FILE COMMAND...: one run under GNU time, "wall max_rss_kb cpu_s exit"
# appended to FILE. GNU time's %M is ru_maxrss from wait4(): the peak RSS of
# the largest single process among the command and every descendant it
# (transitively) waited for -- not a sum over processes alive at the same
# time. %U+%S is user+system CPU of the command and all waited descendants.
# The same method is used for both sides.
timed() {
	local file=$1 rc=0
	shift
	"$GTIME" -f '%e %M %U %S %x' -o "$file.last" "$@" >"$file.out" 2>"$file.err" || rc=$?
	tail -n 1 "$file.last" | awk '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, $5 }' >>"$file.times"
	return "$rc"
}

# measure NAME EXPECTED_EXIT COMMAND...: a timed run that must exit as expected.
measure() {
	local name=$1 want=$2 rc=0
	shift 2
	cut -d' ' -f1 /proc/loadavg >>"$RUN/load.txt"
	timed "$RUN/$name" "$@" || rc=$?
	if [ "$rc" != "$want" ]; then
		log "$name exited $rc, expected $want; stderr:"
		tail -n 30 "$RUN/$name.err" >&2
		exit 1
	fi
	local wall rss cpu
	read -r wall rss cpu _ < <(tail -n 1 "$RUN/$name.times")
	log "  $name: ${wall}s wall, ${cpu}s CPU, $((rss / 1024)) MiB"
}

median() { # median of column $1 of file $2
	awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) printf "%.3f\n", v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2] + v[NR/2+1]) / 2 }'
}
mib() { local k=${1%.*}; echo $((k / 1024)); }
verdict() { awk -v r="$1" -v g="${2:-$GOAL}" 'BEGIN { print (r <= g) ? "yes" : "**no**" }'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.3f", x / y }'; }

# compare REPS SIDE...: warm-up, then REPS repetitions, the side that goes
# first rotating each repetition (with two sides: alternating).
compare() {
	local n=$1 i j k
	shift
	local -a sides=("$@")
	k=${#sides[@]}
	for ((i = 1; i <= WARMUP; i++)); do
		log "warm-up $i/$WARMUP"
		for s in "${sides[@]}"; do run_"$s"; done
	done
	for s in "${sides[@]}"; do rm -f "$RUN/$s.times"; done
	for ((i = 1; i <= n; i++)); do
		log "repetition $i/$n"
		for ((j = 0; j < k; j++)); do run_"${sides[$(((i + j) % k))]}"; done
	done
}

# (a) one root, BIG_COUNT resources, nothing to change. drift-action does its
# own init (part of its cost); the baseline's init was done during setup.
run_big_da() { measure big_da 0 "$DA" detect --format json "$BIG"; }
run_big_before() { measure big_before 0 "$DA_BEFORE" detect --format json "$BIG"; }
run_big_tf() { measure big_tf 0 sh -c 'cd "$1" && exec "$2" plan -input=false -out="$3" >/dev/null' sh "$BIG" "$TF" "$RUN/big.tfplan"; }

# (b) ROOTS small roots, PAR at a time; both sides init and plan every root.
# xargs_script PER_ROOT: the baseline pipeline, run as sh -c SCRIPT sh PARENT P TF;
# PER_ROOT runs in each root with "$0" standing for terraform.
xargs_script() { printf 'cd "$1" && ls -d roots/* | xargs -P"$2" -I{} sh -c %s "$3"' "'cd {} && $1'"; }
XARGS_SCRIPT=$(xargs_script '"$0" init -input=false >/dev/null && "$0" plan -input=false -out=tfplan >/dev/null')
run_small_da() { measure small_da 0 "$DA" detect --parallelism "$PAR" --format json "$SMALL/roots"; }
run_small_tf() { measure small_tf 0 sh -c "$XARGS_SCRIPT" sh "$SMALL" "$PAR" "$TF"; }
run_small_before() { measure small_before 0 "$DA_BEFORE" detect --parallelism "$PAR" --format json "$SMALL/roots"; }

# (c) the drifted root: drift-action (init, plan -json -out, show -json,
# policy, report; exit 2 = changes found) vs what a user would run to get the
# same JSON: plan -out, then show -json into a file. GNU time measures each
# side whole. For memory, the baseline's show runs under its own GNU time
# (its peak RSS, exact), and drift-action's own process is polled for VmHWM
# every 10 ms by hwm.py (its peak RSS without its terraform children, which
# GNU time cannot separate; growth in its last 10 ms can be missed, and the
# poller's own CPU counts against drift-action's wall time).
HWM_PY="$RUN/hwm.py"
cat >"$HWM_PY" <<'PY'
# hwm.py OUT COMMAND...: runs COMMAND, polls its VmHWM every 10 ms, appends
# the peak (KiB) to OUT, exits with COMMAND's status.
import subprocess, sys, threading, time
out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd)
peak = 0
def poll():
    global peak
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
                    break
        except OSError:
            return
        time.sleep(0.01)
t = threading.Thread(target=poll)
t.start()
rc = p.wait()
t.join()
open(out, "a").write(f"{peak}\n")
sys.exit(rc)
PY
run_drift_da() { measure drift_da 4 python3 "$HWM_PY" "$RUN/drift_da.own" "$DA" detect --format json "$DRIFTD"; }
run_drift_tf() {
	measure drift_tf 0 sh -c 'cd "$1" && "$2" plan -input=false -out="$3" >/dev/null && exec "$4" -f %M -a -o "$5" "$2" show -json "$3" >"$6"' \
		sh "$DRIFTD" "$TF" "$RUN/drift.tfplan" "$GTIME" "$RUN/drift_show.rss" "$RUN/drift-plan.json"
}
rm -f "$RUN/drift_da.own" "$RUN/drift_show.rss"

uptime_start=$(cat /proc/loadavg)
if want a; then
	log "benchmark a: 1 root x $BIG_COUNT resources, $BIG_REPS repetitions"
	if [ -n "$DA_BEFORE" ]; then compare "$BIG_REPS" big_da big_tf big_before; else compare "$BIG_REPS" big_da big_tf; fi
fi
if want b; then
	log "benchmark b: $ROOTS roots x $ROOT_COUNT resources, parallelism $PAR, $REPS repetitions"
	if [ -n "$DA_BEFORE" ]; then compare "$REPS" small_da small_tf small_before; else compare "$REPS" small_da small_tf; fi
fi
if want c; then
	log "benchmark c: 1 drifted root x $DRIFT_COUNT resources, $DRIFT_REPS repetitions"
	compare "$DRIFT_REPS" drift_da drift_tf
	# The warm-up runs appended too: keep the measured ones.
	tail -n "$DRIFT_REPS" "$RUN/drift_da.own" >"$RUN/drift_da.own.m"
	tail -n "$DRIFT_REPS" "$RUN/drift_show.rss" >"$RUN/drift_show.rss.m"
fi
uptime_end=$(cat /proc/loadavg)

# --- breakdown: where drift-action's time goes ------------------------------------
# sample_tree PID INTERVAL: until PID exits, every INTERVAL seconds, the sum of
# RSS over PID and all its descendants (what is resident at one moment, which
# GNU time's %M does not show) and the peak VmHWM of PID's first child (the
# measured program when PID is GNU time). Prints "peak_tree_kb child_hwm_kb".
sample_tree() {
	local pid=$1 every=$2 peak=0 hwm=0 s h c
	while [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do
		s=$(ps -e -o pid=,ppid=,rss= | awk -v root="$pid" '{ p[$1] = $2; r[$1] = $3 }
			END { for (x in p) { y = x; while (y in p) { if (y == root) { sum += r[x]; break }; y = p[y] } } print sum + 0 }')
		c=$(cut -d' ' -f1 "/proc/$pid/task/$pid/children" 2>/dev/null || true)
		h=
		if [ -n "$c" ]; then h=$(awk '/^VmHWM/ { print $2 }' "/proc/$c/status" 2>/dev/null || true); fi
		if ((s > peak)); then peak=$s; fi
		if ((${h:-0} > hwm)); then hwm=$h; fi
		sleep "$every"
	done
	echo "$peak $hwm"
}

# sampled FILE INTERVAL COMMAND...: one run under GNU time (as timed) while
# the process tree is sampled; "tree_peak_kb child_hwm_kb" goes to FILE.rss.
sampled() {
	local file=$1 every=$2 tpid
	shift 2
	"$GTIME" -f '%e %M %U %S %x' -o "$file.last" "$@" >"$file.out" 2>"$file.err" &
	tpid=$!
	sample_tree "$tpid" "$every" >"$file.rss"
	wait "$tpid" || true
	tail -n 1 "$file.last" | awk '{ printf "%s %s %.2f %s\n", $1, $2, $3 + $4, $5 }' >>"$file.times"
}

# variants NAME REPS LABEL:FUNCTION...: REPS rounds over all variants, the
# starting variant rotating each round; a table row of medians per variant.
variants() {
	local name=$1 reps=$2 i j k n
	shift 2
	local -a labels=() funcs=()
	for v in "$@"; do labels+=("${v%:*}"); funcs+=("${v##*:}"); done
	n=${#funcs[@]}
	for ((k = 0; k < n; k++)); do rm -f "$RUN/v_${name}_$k.times"; done
	for ((i = 0; i < reps; i++)); do
		for ((j = 0; j < n; j++)); do
			k=$(((i + j) % n))
			# GNU time cannot run a shell function: each variant runs in a
			# bash -c (the same small constant cost for every variant).
			timed "$RUN/v_${name}_$k" bash -c "$(declare -f "${funcs[$k]}"); ${funcs[$k]}" || true
		done
	done
	echo "| variant | wall s | CPU s (user+sys) | peak RSS MiB |"
	echo "|---|---:|---:|---:|"
	for ((k = 0; k < n; k++)); do
		local f="$RUN/v_${name}_$k.times"
		printf '| %s | %.2f | %.2f | %d |\n' "${labels[$k]}" "$(median 1 "$f")" "$(median 3 "$f")" "$(mib "$(median 2 "$f")")"
	done
}

if [ "$BREAKDOWN" = 1 ] && want a && want b; then
	# A shim that times every terraform command drift-action starts.
	SHIM="$WORK/terraform-shim"
	printf '#!/bin/sh\nexec %s -a -o "$SHIM_LOG" -f "%%e %%M %%U %%S $*" %s "$@"\n' "$GTIME" "$TF" >"$SHIM"
	# A pass-through shim (the cost of a shim alone) and one that answers
	# `terraform version` from a file, as if terraform-exec had the version cached.
	PASS="$WORK/terraform-pass"
	printf '#!/bin/sh\nexec %s "$@"\n' "$TF" >"$PASS"
	"$TF" version -json >"$WORK/version.json"
	FASTVER="$WORK/terraform-fastversion"
	printf '#!/bin/sh\nif [ "$1" = version ]; then cat %s; exit 0; fi\nexec %s "$@"\n' "$WORK/version.json" "$TF" >"$FASTVER"
	chmod +x "$SHIM" "$PASS" "$FASTVER"
	export SHIM_LOG="$RUN/shim.log"
	# What the variants (run in bash -c) need.
	export TF DA BIG SMALL PAR RUN PASS FASTVER

	log "breakdown (a): one drift-action run through the timing shim, process tree sampled"
	: >"$SHIM_LOG"
	rm -f "$RUN/sa_da.times" "$RUN/sa_tf.times"
	sampled "$RUN/sa_da" 0.5 "$DA" detect --format json --terraform "$SHIM" "$BIG"
	cp "$SHIM_LOG" "$RUN/shim_big.log"
	log "breakdown (a): one baseline run, process tree sampled"
	sampled "$RUN/sa_tf" 0.5 sh -c 'cd "$1" && exec "$2" plan -input=false -out="$3" >/dev/null' sh "$BIG" "$TF" "$RUN/big.tfplan"
	log "breakdown (a): single steps, $BD_BIG_REPS run(s) each"
	bd_version() { "$TF" version -json; }
	bd_init() { (cd "$BIG" && "$TF" init -input=false); }
	bd_plain() { (cd "$BIG" && "$TF" plan -input=false -out="$RUN/bd.tfplan"); }
	bd_json() { (cd "$BIG" && "$TF" plan -input=false -json -out="$RUN/bd.tfplan"); }
	bd_da_nopolicy() { "$DA" detect --format json --no-policy "$BIG"; }
	{
		echo "### Breakdown (a): the terraform commands drift-action started (one run, GNU time shim)"
		echo
		echo "| wall s | CPU s | peak RSS MiB | command |"
		echo "|---:|---:|---:|---|"
		awk '/^Command / { next } { w = $1; rss = $2; cpu = $3 + $4; $1 = $2 = $3 = $4 = ""; sub(/^ +/, "");
			printf "| %s | %.2f | %d | `terraform %s` |\n", w, cpu, rss / 1024, $0 }' "$SHIM_LOG"
		local_cpu=$(awk '/^Command / { next } { s += $3 + $4 } END { printf "%.2f", s }' "$SHIM_LOG")
		read -r da_wall da_rss da_cpu _ <"$RUN/sa_da.times"
		read -r tf_wall tf_rss tf_cpu _ <"$RUN/sa_tf.times"
		read -r da_tree da_hwm <"$RUN/sa_da.rss"
		read -r tf_tree _ <"$RUN/sa_tf.rss"
		echo
		echo "That drift-action run: ${da_wall} s wall, ${da_cpu} s CPU in all, of which terraform ${local_cpu} s, so"
		echo "drift-action's own process $(awk -v a="$da_cpu" -v b="$local_cpu" 'BEGIN { printf "%.2f", a - b }') s CPU (start-up, policy compile and evaluation, reading the"
		echo "JSON stream, the report). Its own peak RSS (VmHWM) was $(mib "$da_hwm") MiB."
		echo
		echo "Memory resident at one moment (RSS summed over the process tree, sampled every 0.5 s),"
		echo "which GNU time's per-process maximum does not show: drift-action $(mib "$da_tree") MiB"
		echo "vs baseline $(mib "$tf_tree") MiB (ratio $(ratio "$da_tree" "$tf_tree")); GNU time in the same two runs: $(mib "$da_rss") vs $(mib "$tf_rss") MiB."
		echo
		echo "### Breakdown (a): single steps, median of $BD_BIG_REPS"
		echo
		variants biga "$BD_BIG_REPS" \
			"terraform version -json:bd_version" \
			"terraform init (already initialised):bd_init" \
			"terraform plan -out (plain text, the baseline):bd_plain" \
			"terraform plan -json -out (what drift-action runs):bd_json" \
			"drift-action detect --no-policy:bd_da_nopolicy"
	} >"$RUN/breakdown_big.md"

	log "breakdown (b): one drift-action run through the timing shim"
	: >"$SHIM_LOG"
	"$DA" detect --format json --parallelism "$PAR" --terraform "$SHIM" "$SMALL/roots" >/dev/null 2>"$RUN/shim.err" || true
	log "breakdown (b): memory resident at one moment, $BD_REPS run(s) per side sampled every 0.1 s"
	rm -f "$RUN/sb_da.rss.all" "$RUN/sb_tf.rss.all"
	for ((i = 0; i < BD_REPS; i++)); do
		sampled "$RUN/sb_da" 0.1 "$DA" detect --parallelism "$PAR" --format json "$SMALL/roots"
		cat "$RUN/sb_da.rss" >>"$RUN/sb_da.rss.all"
		sampled "$RUN/sb_tf" 0.1 sh -c "$XARGS_SCRIPT" sh "$SMALL" "$PAR" "$TF"
		cat "$RUN/sb_tf.rss" >>"$RUN/sb_tf.rss.all"
	done
	log "breakdown (b): variants, $BD_REPS round(s)"
	XARGS_VERSION=$(xargs_script '"$0" version -json >/dev/null && "$0" init -input=false >/dev/null && "$0" plan -input=false -out=tfplan >/dev/null')
	XARGS_JSON=$(xargs_script '"$0" init -input=false >/dev/null && "$0" plan -json -input=false -out=tfplan >/dev/null')
	export XARGS_SCRIPT XARGS_VERSION XARGS_JSON
	bs_tf() { sh -c "$XARGS_SCRIPT" sh "$SMALL" "$PAR" "$TF"; }
	bs_tf_version() { sh -c "$XARGS_VERSION" sh "$SMALL" "$PAR" "$TF"; }
	bs_tf_json() { sh -c "$XARGS_JSON" sh "$SMALL" "$PAR" "$TF"; }
	bs_da() { "$DA" detect --parallelism "$PAR" --format json "$SMALL/roots"; }
	bs_da_nopolicy() { "$DA" detect --parallelism "$PAR" --format json --no-policy "$SMALL/roots"; }
	bs_da_pass() { "$DA" detect --parallelism "$PAR" --format json --terraform "$PASS" "$SMALL/roots"; }
	bs_da_fastver() { "$DA" detect --parallelism "$PAR" --format json --terraform "$FASTVER" "$SMALL/roots"; }
	bs_da_fastver_nopolicy() { "$DA" detect --parallelism "$PAR" --format json --no-policy --terraform "$FASTVER" "$SMALL/roots"; }
	bs_da_checkpoint() { CHECKPOINT_DISABLE= "$DA" detect --parallelism "$PAR" --format json "$SMALL/roots"; }
	bs_version_burst() { ls -d "$SMALL"/roots/* | xargs -P"$PAR" -I{} "$TF" version -json >/dev/null; }
	bs_version_burst_nocp() { ls -d "$SMALL"/roots/* | CHECKPOINT_DISABLE=1 xargs -P"$PAR" -I{} "$TF" version -json >/dev/null; }
	echo '{"format_version":"1.2","resource_changes":[]}' >"$RUN/empty-plan.json"
	bs_da_start() { "$DA" version; }
	bs_da_policy() { "$DA" policy check --plan "$RUN/empty-plan.json"; }
	{
		echo "### Breakdown (b): the terraform commands drift-action started for $ROOTS roots (one run, GNU time shim)"
		echo
		echo "| command | count | wall s, sum | wall s, median | CPU s, sum | max peak RSS MiB |"
		echo "|---|---:|---:|---:|---:|---:|"
		awk '/^Command / { next } { print $5, $1, $2, $3 + $4 }' "$SHIM_LOG" | sort -k1,1 -k2,2g | awk '
			{ n[$1]++; t[$1] += $2; c[$1] += $4; v[$1, n[$1]] = $2; if ($3 > m[$1]) m[$1] = $3 }
			END { for (k in n) { x = n[k]; med = (x % 2) ? v[k, (x + 1) / 2] : (v[k, x / 2] + v[k, x / 2 + 1]) / 2;
				printf "| `terraform %s` | %d | %.2f | %.3f | %.2f | %d |\n", k, x, t[k], med, c[k], m[k] / 1024 } }' | sort
		echo
		echo "### Breakdown (b): variants of both sides, median of $BD_REPS (rounds rotate the order)"
		echo
		variants smallb "$BD_REPS" \
			"baseline: xargs init + plan:bs_tf" \
			"baseline + \`terraform version -json\` per root:bs_tf_version" \
			"baseline with \`plan -json\`:bs_tf_json" \
			"drift-action detect:bs_da" \
			"drift-action detect --no-policy:bs_da_nopolicy" \
			"drift-action, terraform via a pass-through sh shim:bs_da_pass" \
			"drift-action, shim answering \`terraform version\` from a file:bs_da_fastver" \
			"drift-action --no-policy, shim answering \`terraform version\` from a file:bs_da_fastver_nopolicy" \
			"drift-action detect with CHECKPOINT_DISABLE set empty (terraform's upgrade check on):bs_da_checkpoint" \
			"component: $ROOTS x \`terraform version -json\` at -P$PAR:bs_version_burst" \
			"component: the same with CHECKPOINT_DISABLE=1:bs_version_burst_nocp" \
			"component: \`drift-action version\` (process start only):bs_da_start" \
			"component: \`drift-action policy check\` of an empty plan (start + policy compile + 1 evaluation):bs_da_policy"
		echo
		echo "Memory resident at one moment (RSS summed over the process tree, sampled every 0.1 s, median"
		echo "of $BD_REPS runs): drift-action $(mib "$(median 1 "$RUN/sb_da.rss.all")") MiB vs baseline $(mib "$(median 1 "$RUN/sb_tf.rss.all")") MiB."
		echo
		echo "Wall time of every \`terraform version\` call in the shim run above (s): $(awk '$5 == "version" { print $1 }' "$SHIM_LOG" | sort -g | uniq -c | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }')."
	} >"$RUN/breakdown_small.md"
fi

# --- report ----------------------------------------------------------------------------
row() { # LABEL DA_NAME TF_NAME RSS_IS_GOAL [WALL_GOAL]
	local l=$1 a=$2 b=$3 rssgoal=$4 wgoal=${5:-$GOAL}
	local wa wb ra rb ca cb rw rr rc rv
	wa=$(median 1 "$RUN/$a.times") wb=$(median 1 "$RUN/$b.times")
	ra=$(median 2 "$RUN/$a.times") rb=$(median 2 "$RUN/$b.times")
	ca=$(median 3 "$RUN/$a.times") cb=$(median 3 "$RUN/$b.times")
	rw=$(ratio "$wa" "$wb") rr=$(ratio "$ra" "$rb") rc=$(ratio "$ca" "$cb")
	if [ "$rssgoal" = 1 ]; then rv=$(verdict "$rr"); else rv="(no goal)"; fi
	printf '| %s | %.2f | %.2f | **%s** | %s | %d | %d | **%s** | %s | %.2f | %.2f | %s |\n' \
		"$l" "$wa" "$wb" "$rw" "$(verdict "$rw" "$wgoal")" "$(mib "$ra")" "$(mib "$rb")" "$rr" "$rv" "$ca" "$cb" "$rc"
}

{
	echo "## Results"
	echo
	echo "$(nproc) CPUs, $("$TF" version | head -n1), $(go version | awk '{print $3}'), repetitions: a $BIG_REPS, b $REPS, c $DRIFT_REPS (+$WARMUP warm-up each; benchmarks run: $BENCHES), medians; goal: wall ratio <= $GOAL (a: <= $GOAL_A; b: <= $GOAL_B)."
	echo "drift-action built from source fingerprint $SRC_HASH (sha256 over Go files, go.mod/go.sum, policies/), binary $DA_SIZE MiB, $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Load average (1/5/15 min) at start: ${uptime_start% * *}; at end of the measured runs: ${uptime_end% * *};"
	echo "1-minute load before each measured run: $(sort -g "$RUN/load.txt" | head -n1) to $(sort -g "$RUN/load.txt" | tail -n1)."
	echo
	echo "| benchmark | drift-action wall s | baseline wall s | wall ratio | wall goal met | drift-action peak RSS MiB | baseline peak RSS MiB | RSS ratio | RSS goal met | drift-action CPU s | baseline CPU s | CPU ratio |"
	echo "|---|---:|---:|---:|:---:|---:|---:|---:|:---:|---:|---:|---:|"
	if want a; then row "a: 1 root x $BIG_COUNT, \`detect --format json\` vs \`plan -out\`" big_da big_tf 1 "$GOAL_A"; fi
	if want a && [ -n "$DA_BEFORE" ]; then row "a, BEFORE=$BEFORE_REV: the same, drift-action built from that revision" big_before big_tf 1 "$GOAL_A"; fi
	if want b; then row "b: $ROOTS roots x $ROOT_COUNT, P=$PAR, \`detect --parallelism $PAR\` vs xargs init+plan" small_da small_tf 0 "$GOAL_B"; fi
	if want b && [ -n "$DA_BEFORE" ]; then row "b, BEFORE=$BEFORE_REV: the same, drift-action built from that revision" small_before small_tf 0 "$GOAL_B"; fi
	if want c; then row "c: 1 drifted root x $DRIFT_COUNT, \`detect --format json\` vs \`plan -out\` + \`show -json\`" drift_da drift_tf 0; fi
	if want c; then
		own=$(median 1 "$RUN/drift_da.own.m") show=$(median 1 "$RUN/drift_show.rss.m")
		rr=$(ratio "$own" "$show")
		echo
		echo "c, memory: drift-action's own process (VmHWM polled every 10 ms, without its terraform children) vs the baseline's \`terraform show -json\` (GNU time), medians; goal: ratio <= $RSS_GOAL_C."
		echo
		echo "| drift-action own peak RSS MiB | terraform show peak RSS MiB | ratio | goal met |"
		echo "|---:|---:|---:|:---:|"
		printf '| %d | %d | **%s** | %s |\n' "$(mib "$own")" "$(mib "$show")" "$rr" "$(awk -v r="$rr" -v g="$RSS_GOAL_C" 'BEGIN { print (r <= g) ? "yes" : "**no**" }')"
		echo
		echo "Raw (KiB, in order): drift-action own $(paste -sd' ' "$RUN/drift_da.own.m"); terraform show $(paste -sd' ' "$RUN/drift_show.rss.m"). Plan JSON written by show: $(($(stat -c %s "$RUN/drift-plan.json") / 1024)) KiB."
	fi
	if want a && [ -n "$DA_BEFORE" ]; then
		echo
		echo "a, after / before (this tree / $BEFORE_REV, medians of the same run): wall $(ratio "$(median 1 "$RUN/big_da.times")" "$(median 1 "$RUN/big_before.times")"), CPU $(ratio "$(median 3 "$RUN/big_da.times")" "$(median 3 "$RUN/big_before.times")"), peak RSS $(ratio "$(median 2 "$RUN/big_da.times")" "$(median 2 "$RUN/big_before.times")")."
	fi
	if want b && [ -n "$DA_BEFORE" ]; then
		echo
		echo "b, after / before (this tree / $BEFORE_REV, medians of the same run): wall $(ratio "$(median 1 "$RUN/small_da.times")" "$(median 1 "$RUN/small_before.times")"), CPU $(ratio "$(median 3 "$RUN/small_da.times")" "$(median 3 "$RUN/small_before.times")")."
	fi
	echo
	echo "Raw runs (wall s / peak RSS KiB / CPU s), in the order they ran per side:"
	echo
	for n in big_da big_tf big_before small_da small_tf small_before drift_da drift_tf; do
		if [ -s "$RUN/$n.times" ]; then
			printf -- '- %s: %s\n' "$n" "$(awk '{printf "%s%s / %s / %s", (NR>1?", ":""), $1, $2, $3}' "$RUN/$n.times")"
		fi
	done
	if [ "$BREAKDOWN" = 1 ] && want a && want b; then
		echo
		cat "$RUN/breakdown_big.md"
		echo
		cat "$RUN/breakdown_small.md"
	fi
} >"$RUN/report.md"

echo
cat "$RUN/report.md"
if [ "$KEEP" = 1 ]; then log "kept $WORK (report: $RUN/report.md)"; fi
