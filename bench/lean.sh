#!/usr/bin/env bash
# What running terraform's setup steps lean saves: each of `terraform
# version -json`, `init` and `plan -out` run N times in one small applied
# root, alternating with terraform's default collector and with the
# settings drift-action gives its setup steps (GOGC=off, GOMEMLIMIT=512MiB;
# internal/tf/runner.go, leanHeap). Plan is measured too, to show what
# drift-action leaves alone. GNU time per command; mean CPU (user+sys) and
# peak RSS. See bench/README.md, section 1.
#
#   bash bench/lean.sh            # N=30 COUNT=5
set -euo pipefail

N=${N:-30}
COUNT=${COUNT:-5}
TF=$(command -v "${TERRAFORM:-terraform}") || { echo "bench: terraform not found on PATH" >&2; exit 1; }
WORK=$(mktemp -d /tmp/drift-bench-lean-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset GOGC GOMEMLIMIT TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS || true

cd "$WORK"
printf 'resource "terraform_data" "r" {\n  count = %s\n  input = count.index\n}\n' "$COUNT" >main.tf
"$TF" init -input=false >/dev/null
"$TF" apply -input=false -auto-approve >/dev/null

# one STEP MODE: runs STEP once under MODE (default or lean) and appends
# "cpu_s rss_kib" to WORK/STEP.MODE.
one() {
	local step=$1 mode=$2 args
	case $step in
	version) args=(version -json) ;;
	init) args=(init -input=false) ;;
	plan) args=(plan -input=false -out=tfplan) ;;
	esac
	if [ "$mode" = lean ]; then
		GOGC=off GOMEMLIMIT=512MiB /usr/bin/time -f '%U %S %M' -o "$WORK/t" "$TF" "${args[@]}" >/dev/null 2>&1
	else
		/usr/bin/time -f '%U %S %M' -o "$WORK/t" "$TF" "${args[@]}" >/dev/null 2>&1
	fi
	awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$WORK/t" >>"$WORK/$step.$mode"
}
for ((i = 0; i < N; i++)); do
	for step in version init plan; do
		one "$step" default
		one "$step" lean
	done
done

echo "$N runs of each, alternating; $COUNT terraform_data resources; $("$TF" version | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| step | default CPU ms (mean) | lean CPU ms (mean) | lean / default | default peak RSS MiB | lean peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|"
for step in version init plan; do
	d=$(awk '{ c += $1; if ($2 > m) m = $2 } END { printf "%.1f %.0f", 1000 * c / NR, m / 1024 }' "$WORK/$step.default")
	l=$(awk '{ c += $1; if ($2 > m) m = $2 } END { printf "%.1f %.0f", 1000 * c / NR, m / 1024 }' "$WORK/$step.lean")
	set -- $d $l
	note=""
	[ "$step" = plan ] && note=" (not run lean by drift-action)"
	echo "| $step$note | $1 | $3 | $(awk -v a="$3" -v b="$1" 'BEGIN { printf "%.3f", a / b }') | $2 | $4 |"
done
