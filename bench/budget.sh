#!/usr/bin/env bash
# Request budgets: drift-action detect under a budget vs bare terraform plan
# at its default parallelism, on one root of fakecloud instances whose every
# read takes LATENCY; the provider itself logs each read
# (FAKECLOUD_REQUEST_LOG), and the busiest 1-second window of that log is
# compared with each budget. See bench/README.md, section 7.
#
#   bash bench/budget.sh
#
# Knobs: REPS=3 (measured runs per side, medians), COUNT=500 (instances),
# LATENCY=100ms (FAKECLOUD_READ_LATENCY), BUDGETS="400 200 20" (requests
# per second, one detect side each), BENCH_WORK=DIR (keep fixtures there).
set -euo pipefail

REPS=${REPS:-3}
COUNT=${COUNT:-500}
LATENCY=${LATENCY:-100ms}
BUDGETS=${BUDGETS:-400 200 20}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TF=$(command -v "${TERRAFORM:-terraform}") || { echo "bench: terraform not found on PATH" >&2; exit 1; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -n "${BENCH_WORK:-}" ]; then
	WORK=$BENCH_WORK
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/drift-bench-budget-XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0 NO_COLOR=1
unset TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS FAKECLOUD_READ_LATENCY FAKECLOUD_REQUEST_LOG || true

log "building drift-action and fakecloud"
(cd "$REPO" && go build -o "$WORK/drift-action" .)
# shellcheck source=bench/fakecloud.sh
source "$REPO/bench/fakecloud.sh"
fakecloud_mirror "$WORK" "$REPO"

# The fixture: a repository (.git marks its root, where the latency file
# lives) with one root of COUNT instances, applied once without latency.
R=$WORK/repo
ROOT=$R/infra/app
if [ "$(cat "$R/.count" 2>/dev/null)" != "$COUNT" ]; then
	log "setup: apply $COUNT instances (not measured)"
	rm -rf "$R" && mkdir -p "$ROOT" "$R/.git"
	cat >"$ROOT/main.tf" <<TF
terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
}

provider "fakecloud" {
  state_file = "$R/cloud.json"
}

resource "fakecloud_instance" "r" {
  count = $COUNT
  name  = "r-\${count.index}"
}
TF
	(cd "$ROOT" && "$TF" init -input=false >/dev/null && "$TF" apply -input=false -auto-approve -parallelism=50 >/dev/null)
	echo "$COUNT" >"$R/.count"
fi
for b in $BUDGETS; do
	printf 'roots: [infra/app]\nbudgets:\n  - provider: myorg/fakecloud\n    requests-per-second: %s\n' "$b" >"$WORK/budget-$b.yaml"
done

RUN=$WORK/run
rm -rf "$RUN" && mkdir -p "$RUN"
export FAKECLOUD_READ_LATENCY=$LATENCY

# peak LOG: the most reads the provider logged in any 1-second window
# [t, t+1s), t at a read.
peak() {
	grep ' read ' "$1" | cut -d' ' -f1 | sort -n | awk '{ t[NR] = $1 } END {
		j = 1; m = 0
		for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 1e9) j++; if (i - j + 1 > m) m = i - j + 1 }
		print m }'
}

# side NAME COMMAND...: one timed run, its reads logged; appends
# "wall_s peak_reads_per_s reads" to RUN/NAME.
side() {
	local name=$1 log=$RUN/$1.reads s e
	shift
	rm -f "$log"
	s=$(date +%s%N)
	FAKECLOUD_REQUEST_LOG=$log "$@" >"$RUN/$name.out" 2>"$RUN/$name.err" || {
		local rc=$?
		if [ "$rc" != 0 ]; then log "$name exited $rc"; tail -n 20 "$RUN/$name.err" >&2; exit 1; fi
	}
	e=$(date +%s%N)
	echo "$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }') $(peak "$log") $(grep -c ' read ' "$log")" >>"$RUN/$name"
	log "  $name: $(tail -n 1 "$RUN/$name")  (wall s, busiest 1 s, reads)"
}
run_tf() { side tf sh -c 'cd "$1" && exec "$2" plan -input=false -out="$3" >/dev/null' sh "$ROOT" "$TF" "$RUN/tf.tfplan"; }
run_da() { side "da-$1" sh -c 'cd "$1" && exec "$2" detect --no-policy --format json --config "$3" infra/app' sh "$R" "$WORK/drift-action" "$WORK/budget-$1.yaml"; }

# The first run has no measurement: one read at a time (and a warning);
# it writes the latency file every later run plans from.
rm -rf "$R/.drift-action"
lowest=${BUDGETS##* }
log "first run, nothing measured yet (budget $lowest/s)"
side first sh -c 'cd "$1" && exec "$2" detect --no-policy --format json --config "$3" infra/app' sh "$R" "$WORK/drift-action" "$WORK/budget-$lowest.yaml"
cp "$R/.drift-action/latency.json" "$RUN/latency.json"
grep -h 'parallelism\|warning' "$RUN/first.err" >&2 || true

for ((i = 1; i <= REPS; i++)); do
	log "repetition $i/$REPS"
	# Rotate which side goes first, so load from elsewhere falls on all alike.
	sides=(tf $BUDGETS)
	k=${#sides[@]}
	for ((j = 0; j < k; j++)); do
		s=${sides[$(((i + j) % k))]}
		if [ "$s" = tf ]; then run_tf; else run_da "$s"; fi
	done
done
for b in $BUDGETS; do grep -h 'terraform -parallelism' "$RUN/da-$b.err" | head -n 1 >&2 || true; done

median() { awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxcol() { awk -v c="$1" 'BEGIN { m = 0 } $c > m { m = $c } END { print m }' "$2"; }
tfw=$(median 1 "$RUN/tf")
echo
echo "$COUNT fakecloud instances, $LATENCY per read, median of $REPS; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | budget (reads/s) | wall s | vs terraform plan | busiest 1 s (max of $REPS) | within budget |"
echo "|---|---:|---:|---:|---:|---|"
echo "| terraform plan (-parallelism=10) | none | $tfw | 1.000 | $(maxcol 2 "$RUN/tf") | |"
for b in $BUDGETS; do
	w=$(median 1 "$RUN/da-$b")
	p=$(maxcol 2 "$RUN/da-$b")
	echo "| drift-action detect | $b | $w | $(awk -v a="$w" -v b="$tfw" 'BEGIN { printf "%.3f", a / b }') | $p | $([ "$p" -le "$b" ] && echo yes || echo '**no**') |"
done
echo "| drift-action detect, first run (nothing measured) | $lowest | $(cut -d' ' -f1 "$RUN/first") | $(awk -v a="$(cut -d' ' -f1 "$RUN/first")" -v b="$tfw" 'BEGIN { printf "%.3f", a / b }') | $(cut -d' ' -f2 "$RUN/first") | $([ "$(cut -d' ' -f2 "$RUN/first")" -le "$lowest" ] && echo yes || echo '**no**') |"
echo
echo "latency file after the first run:"
cat "$RUN/latency.json"
