#!/usr/bin/env bash
# Benchmarks drift-action against bare terraform. See bench/README.md.
#
#   bash bench/run.sh
#
# Environment knobs (all optional):
#   REPS=3            measured repetitions per side (medians are reported)
#   WARMUP=1          unmeasured runs per side before measuring
#   BIG_COUNT=10000   resources in the single large root (benchmark a)
#   ROOTS=40          number of small roots (benchmark b)
#   ROOT_COUNT=5      resources per small root
#   PAR=2             --parallelism for drift-action and -P for xargs
#   BREAKDOWN=1       also time every terraform step drift-action runs (through a
#                     logging shim) and the bare steps, to show where time goes
#   BENCH_WORK=DIR    use (and keep) DIR for fixtures instead of a temp dir; an
#                     already applied fixture there is reused, saving the setup
#   TERRAFORM=terraform  terraform executable used by both sides
set -euo pipefail

REPS=${REPS:-3}
WARMUP=${WARMUP:-1}
BIG_COUNT=${BIG_COUNT:-10000}
ROOTS=${ROOTS:-40}
ROOT_COUNT=${ROOT_COUNT:-5}
PAR=${PAR:-2}
BREAKDOWN=${BREAKDOWN:-1}
TERRAFORM=${TERRAFORM:-terraform}
GOAL=1.05

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
RUN="$WORK/run"   # per-run scratch (timings, plan files, output)
rm -rf "$RUN"
mkdir -p "$RUN"

# --- identical environment for both sides -------------------------------------
# An empty CLI config so a user's ~/.terraformrc (mirrors, credentials, a
# missing TF_CLI_CONFIG_FILE) affects neither side; one shared plugin cache
# (terraform_data is built in, so it stays empty, but both sides see the same
# setting); TF_IN_AUTOMATION as terraform-exec sets it for drift-action.
# CHECKPOINT_DISABLE is deliberately left as the caller has it: see README.
: >"$WORK/terraformrc"
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"
export TF_PLUGIN_CACHE_DIR="$WORK/plugin-cache"
export TF_IN_AUTOMATION=1
export NO_COLOR=1
mkdir -p "$TF_PLUGIN_CACHE_DIR"
# drift-action writes its plan files under TMPDIR; keep them in the work dir.
export TMPDIR="$RUN"

# --- build -----------------------------------------------------------------------
log "building drift-action from $REPO"
(cd "$REPO" && go build -o "$WORK/drift-action" .)
DA="$WORK/drift-action"

# --- fixtures ----------------------------------------------------------------------
BIG="$WORK/big"
SMALL="$WORK/small"

tf_quiet() { "$TF" "$@" >"$RUN/setup.log" 2>&1 || { cat "$RUN/setup.log" >&2; return 1; }; }

if [ ! -f "$BIG/terraform.tfstate" ] || [ "$(cat "$BIG/.count" 2>/dev/null)" != "$BIG_COUNT" ]; then
	rm -rf "$BIG"
	mkdir -p "$BIG"
	cat >"$BIG/main.tf" <<EOF
resource "terraform_data" "r" {
  count = $BIG_COUNT
  input = count.index
}
EOF
	log "setup: init + apply $BIG_COUNT resources in $BIG (not measured; takes a while)"
	s=$(date +%s)
	(cd "$BIG" && tf_quiet init -input=false && tf_quiet apply -input=false -auto-approve)
	echo "$BIG_COUNT" >"$BIG/.count"
	log "setup: applied in $(($(date +%s) - s)) s"
else
	log "setup: reusing applied fixture $BIG"
fi

if [ "$(cat "$SMALL/.count" 2>/dev/null)" != "$ROOTS x $ROOT_COUNT" ]; then
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
else
	log "setup: reusing applied fixture $SMALL"
fi

# --- measuring -------------------------------------------------------------------------
# measure NAME EXPECTED_EXIT COMMAND...: one run under GNU time; appends
# "wall_seconds max_rss_kb" to $RUN/NAME.times. GNU time's %M is ru_maxrss of
# wait4(): the peak RSS of the largest single process among the command and
# all descendants it (transitively) waited for -- not the sum of processes
# alive at the same time. The same method is used for both sides.
measure() {
	local name=$1 want=$2
	shift 2
	local rc=0
	"$GTIME" -f '%e %M %x' -o "$RUN/$name.last" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err" || rc=$?
	if [ "$rc" != "$want" ]; then
		log "$name exited $rc, expected $want; stderr:"
		tail -n 30 "$RUN/$name.err" >&2
		tail -n 5 "$RUN/$name.out" >&2
		exit 1
	fi
	local wall rss
	read -r wall rss _ <"$RUN/$name.last"
	echo "$wall $rss" >>"$RUN/$name.times"
	log "  $name: ${wall}s, $((rss / 1024)) MiB"
}

median() { # median of column $1 of file $2
	awk -v c="$1" '{print $c}' "$2" | sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) printf "%.3f\n", v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2] + v[NR/2+1]) / 2 }'
}

# compare A_NAME B_NAME: alternates the order each repetition.
compare() {
	local a=$1 b=$2 i
	rm -f "$RUN/$a.times" "$RUN/$b.times"
	for ((i = 1; i <= WARMUP; i++)); do
		log "warm-up $i/$WARMUP"
		run_"$a" >/dev/null
		run_"$b" >/dev/null
		rm -f "$RUN/$a.times" "$RUN/$b.times"
	done
	for ((i = 1; i <= REPS; i++)); do
		log "repetition $i/$REPS"
		if ((i % 2)); then run_"$b"; run_"$a"; else run_"$a"; run_"$b"; fi
	done
}

# (a) one root, BIG_COUNT resources, nothing to change. drift-action does its
# own init (part of its cost); the baseline's init was done during setup.
run_big_da() { measure big_da 0 "$DA" detect --format json "$BIG"; }
run_big_tf() { measure big_tf 0 sh -c 'cd "$1" && exec "$2" plan -input=false -out="$3" >/dev/null' sh "$BIG" "$TF" "$RUN/big.tfplan"; }

# (b) ROOTS small roots, PAR at a time; both sides init and plan every root.
run_small_da() { measure small_da 0 "$DA" detect --parallelism "$PAR" --format json "$SMALL/roots"; }
run_small_tf() {
	measure small_tf 0 sh -c 'cd "$1" && ls -d roots/* | xargs -P"$2" -I{} sh -c '\''cd {} && "$0" init -input=false >/dev/null && "$0" plan -input=false -out=tfplan >/dev/null'\'' "$3"' sh "$SMALL" "$PAR" "$TF"
}

log "benchmark a: 1 root x $BIG_COUNT resources, $REPS repetitions"
compare big_da big_tf
log "benchmark b: $ROOTS roots x $ROOT_COUNT resources, parallelism $PAR, $REPS repetitions"
compare small_da small_tf

# --- breakdown: where drift-action's time goes ------------------------------------
# drift-action runs terraform through a shim that times every terraform
# command it starts (wall and peak RSS), so the cost of each step it adds is
# visible; the same steps are then timed bare.
if [ "$BREAKDOWN" = 1 ]; then
	SHIM="$WORK/terraform-shim"
	cat >"$SHIM" <<EOF
#!/bin/sh
exec $GTIME -a -o "\$SHIM_LOG" -f "%e %M \$*" "$TF" "\$@"
EOF
	chmod +x "$SHIM"
	bd() { # NAME COMMAND...: REPS timed runs, medians
		local name=$1 f rss i
		shift
		f="$RUN/bd_$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_')"
		rm -f "$f.times"
		for ((i = 1; i <= REPS; i++)); do
			"$GTIME" -f '%e %M' -o "$f.last" "$@" >/dev/null 2>"$f.err" || true
			tail -n 1 "$f.last" >>"$f.times"
		done
		rss=$(median 2 "$f.times")
		printf '| %s | %.2f | %d |\n' "$name" "$(median 1 "$f.times")" "$((${rss%.*} / 1024))"
	}
	log "breakdown (a): terraform steps inside drift-action, through a timing shim"
	export SHIM_LOG="$RUN/shim.log"
	: >"$SHIM_LOG"
	"$DA" detect --format json --terraform "$SHIM" "$BIG" >/dev/null 2>"$RUN/shim.err" || true
	{
		echo
		echo "### Breakdown (a): terraform commands started by drift-action (one run, via a GNU time shim)"
		echo
		echo "| seconds | peak RSS MiB | command |"
		echo "|---:|---:|---|"
		awk '{ rss=$2; $1=$1; w=$1; $1=""; $2=""; sub(/^ +/, ""); printf "| %s | %d | terraform %s |\n", w, rss/1024, $0 }' "$SHIM_LOG"
		echo
		echo "### Breakdown (a): single steps, median of $REPS"
		echo
		echo "| step | seconds | peak RSS MiB |"
		echo "|---|---:|---:|"
		bd "terraform version -json" "$TF" version -json
		bd "terraform init (initialised root)" sh -c 'cd "$1" && exec "$2" init -input=false' sh "$BIG" "$TF"
		bd "terraform plan -out (plain)" sh -c 'cd "$1" && exec "$2" plan -input=false -out="$3"' sh "$BIG" "$TF" "$RUN/bd.tfplan"
		bd "terraform plan -out -json (stream to /dev/null)" sh -c 'cd "$1" && exec "$2" plan -input=false -json -out="$3"' sh "$BIG" "$TF" "$RUN/bd.tfplan"
		bd "drift-action detect --no-policy" "$DA" detect --format json --no-policy "$BIG"
		bd "drift-action detect (policies on)" "$DA" detect --format json "$BIG"
	} >"$RUN/breakdown_big.md"
	log "breakdown (b): terraform commands per root inside drift-action"
	: >"$SHIM_LOG"
	s=$(date +%s.%N)
	"$DA" detect --format json --parallelism "$PAR" --terraform "$SHIM" "$SMALL/roots" >/dev/null 2>"$RUN/shim.err" || true
	e=$(date +%s.%N)
	{
		echo
		echo "### Breakdown (b): terraform commands started by drift-action for $ROOTS roots (one run, via the shim)"
		echo
		echo "| subcommand | count | total seconds | median seconds | max peak RSS MiB |"
		echo "|---|---:|---:|---:|---:|"
		awk '{ print $3, $1, $2 }' "$SHIM_LOG" | sort -k1,1 -k2,2g | awk '
			{ n[$1]++; t[$1]+=$2; v[$1, n[$1]]=$2; if ($3>m[$1]) m[$1]=$3 }
			END { for (k in n) { c=n[k]; med = (c%2) ? v[k,(c+1)/2] : (v[k,c/2]+v[k,c/2+1])/2;
				printf "| terraform %s | %d | %.2f | %.3f | %d |\n", k, c, t[k], med, m[k]/1024 } }' | sort
		echo
		echo "Wall time of that run (shim included): $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f", e-s}') s."
		echo
		echo "| step | seconds | peak RSS MiB |"
		echo "|---|---:|---:|"
		bd "drift-action detect --no-policy (b)" "$DA" detect --format json --parallelism "$PAR" --no-policy "$SMALL/roots"
		bd "drift-action detect (b, policies on)" "$DA" detect --format json --parallelism "$PAR" "$SMALL/roots"
	} >"$RUN/breakdown_small.md"
fi

# --- report ----------------------------------------------------------------------------
row() { # LABEL DA_NAME TF_NAME
	local l=$1 a=$2 b=$3
	local wa wb ra rb rw rr ok
	wa=$(median 1 "$RUN/$a.times")
	wb=$(median 1 "$RUN/$b.times")
	ra=$(median 2 "$RUN/$a.times")
	rb=$(median 2 "$RUN/$b.times")
	rw=$(awk -v x="$wa" -v y="$wb" 'BEGIN { printf "%.3f", x / y }')
	rr=$(awk -v x="$ra" -v y="$rb" 'BEGIN { printf "%.3f", x / y }')
	ok() { awk -v r="$1" -v g="$GOAL" 'BEGIN { print (r <= g) ? "yes" : "**no**" }'; }
	printf '| %s | %.2f | %.2f | %s | %s | %d | %d | %s | %s |\n' \
		"$l" "$wa" "$wb" "$rw" "$(ok "$rw")" "$((${ra%.*} / 1024))" "$((${rb%.*} / 1024))" "$rr" "$(ok "$rr")"
}

{
	echo "## Results"
	echo
	echo "$(nproc) CPUs, $("$TF" version | head -n1), $(go version | awk '{print $3}'), $REPS repetitions (+$WARMUP warm-up), medians; goal ratio <= $GOAL."
	echo
	echo "| benchmark | drift-action s | baseline s | wall ratio | wall goal met | drift-action peak RSS MiB | baseline peak RSS MiB | RSS ratio | RSS goal met |"
	echo "|---|---:|---:|---:|:---:|---:|---:|---:|:---:|"
	row "a: 1 root x $BIG_COUNT (detect vs plan -out)" big_da big_tf
	row "b: $ROOTS roots x $ROOT_COUNT, P=$PAR (detect vs xargs init+plan)" small_da small_tf
	echo
	echo "Raw runs (wall s, peak RSS KiB):"
	echo
	for n in big_da big_tf small_da small_tf; do
		printf -- '- %s: %s\n' "$n" "$(awk '{printf "%s%s/%s", (NR>1?", ":""), $1, $2}' "$RUN/$n.times")"
	done
	if [ "$BREAKDOWN" = 1 ]; then
		cat "$RUN/breakdown_big.md" "$RUN/breakdown_small.md"
	fi
} >"$RUN/report.md"

echo
cat "$RUN/report.md"
if [ "$KEEP" = 1 ]; then log "kept $WORK (report: $RUN/report.md)"; fi
