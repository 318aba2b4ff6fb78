#!/usr/bin/env bash
# Policy evaluation benchmark: the same 10,000-resource plan JSON (made by
# real terraform) and the same policy, evaluated by `drift-action policy
# check`, `opa eval` and `conftest test`, side by side in one run.
# Wall time and peak RSS (GNU time), medians of REPS runs, as ratios.
#
#   bash bench/policy.sh
#
# Knobs: REPS=5 COUNT=10000 OPA_VERSION=v1.22.2 CONFTEST_VERSION=v0.71.1
set -euo pipefail

REPS=${REPS:-5}
COUNT=${COUNT:-10000}
OPA_VERSION=${OPA_VERSION:-v1.22.2}
CONFTEST_VERSION=${CONFTEST_VERSION:-v0.71.1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[policy-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v terraform >/dev/null || { echo "policy-bench: terraform is not on PATH" >&2; exit 1; }
if ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	log "installing GNU time"
	apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/policy-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BIN="$REPO/.cache/bin"
mkdir -p "$BIN"
[ -x "$BIN/opa" ] || { log "building opa $OPA_VERSION"; GOBIN="$BIN" go install "github.com/open-policy-agent/opa@$OPA_VERSION"; }
[ -x "$BIN/conftest" ] || { log "building conftest $CONFTEST_VERSION"; GOBIN="$BIN" go install "github.com/open-policy-agent/conftest@$CONFTEST_VERSION"; }
log "building drift-action"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/drift-action" .)

log "making a $COUNT-resource plan with terraform"
mkdir -p "$WORK/root"
cat > "$WORK/root/main.tf" <<EOF
resource "terraform_data" "r" {
  count = $COUNT
  input = { index = count.index, name = "r-\${count.index}" }
}
EOF
(cd "$WORK/root" && terraform init -input=false >/dev/null && terraform plan -input=false -out=plan.tfplan >/dev/null && terraform show -json plan.tfplan > "$WORK/plan.json")
log "plan.json: $(du -h "$WORK/plan.json" | cut -f1)"

# The seed drift policy, written so it reads terraform's raw plan (a list,
# as opa and conftest get it) and drift-action's input (keyed by address)
# alike: `some rc in input.resource_changes` iterates both.
mkdir -p "$WORK/policy"
cat > "$WORK/policy/drift.rego" <<'EOF'
package main

noop(rc) if rc.change.actions == ["no-op"]

deny contains msg if {
	changed := [rc.address | some rc in input.resource_changes; not noop(rc)]
	count(changed) > 0
	msg := sprintf("%d resources have pending changes: the plan is not empty", [count(changed)])
}
EOF

measure() { # name cmd...; prints "wall_s rss_kb cpu_s" of one run
	local name=$1; shift
	/usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$@" > "$WORK/out-$name" 2>&1 || true
	# GNU time puts "Command exited with non-zero status N" first when a tool
	# exits non-zero (conftest does on a deny): the numbers are the last line.
	# CPU (user + system) is reported too: on a shared machine it moves far
	# less with other load than wall time does.
	tail -n 1 "$WORK/time" | awk '{print $1, $2, $3 + $4}'
}

declare -A CMDS=(
	[drift-action]="$WORK/drift-action policy check --plan $WORK/plan.json --policy $WORK/policy --format json"
	[opa]="$BIN/opa eval --format json -d $WORK/policy -i $WORK/plan.json data.main.deny"
	[conftest]="$BIN/conftest test --no-color -o json -p $WORK/policy $WORK/plan.json"
)
ORDER=(drift-action opa conftest)
for n in "${ORDER[@]}"; do measure "$n" ${CMDS[$n]} >/dev/null; done # warm caches
for n in "${ORDER[@]}"; do
	grep -q "10000 resources have pending changes\|$COUNT resources have pending changes" "$WORK/out-$n" ||
		{ echo "policy-bench: $n did not report the expected deny:" >&2; head -20 "$WORK/out-$n" >&2; exit 1; }
done
declare -A WALL RSS CPU
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$REPS"); do
	# Rotate the order so no tool always runs first.
	for j in 0 1 2; do
		n=${ORDER[$(((i + j) % 3))]}
		read -r w m c < <(measure "$n" ${CMDS[$n]})
		WALL[$n]+="$w "
		RSS[$n]+="$m "
		CPU[$n]+="$c "
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\n| tool | median wall (s) | median CPU (s) | median peak RSS (MiB) |\n|---|---:|---:|---:|\n'
declare -A MW MR MC
for n in "${ORDER[@]}"; do
	MW[$n]=$(echo "${WALL[$n]}" | median)
	MR[$n]=$(echo "${RSS[$n]}" | median)
	MC[$n]=$(echo "${CPU[$n]}" | median)
	printf '| %s | %s | %s | %.0f |\n' "$n" "${MW[$n]}" "${MC[$n]}" "$(awk -v r="${MR[$n]}" 'BEGIN {print r / 1024}')"
done
printf '\n| ratio | wall | CPU | peak RSS | goal |\n|---|---:|---:|---:|---|\n'
for base in opa conftest; do
	rw=$(awk -v a="${MW[drift-action]}" -v b="${MW[$base]}" 'BEGIN {print a / b}')
	rc=$(awk -v a="${MC[drift-action]}" -v b="${MC[$base]}" 'BEGIN {print (b > 0 ? a / b : 0)}')
	rm=$(awk -v a="${MR[drift-action]}" -v b="${MR[$base]}" 'BEGIN {print a / b}')
	goal="—"
	[ "$base" = opa ] && goal="wall <= 0.5, RSS <= 0.6"
	printf '| drift-action / %s | %.2f | %.2f | %.2f | %s |\n' "$base" "$rw" "$rc" "$rm" "$goal"
done
printf '\n%s resources, plan.json %s, %s runs each; %s, %s cores; load average %s before, %s after\n' "$COUNT" "$(du -h "$WORK/plan.json" | cut -f1)" "$REPS" "$(terraform version | head -1)" "$(nproc)" "$LOAD_BEFORE" "$LOAD_AFTER"
for n in "${ORDER[@]}"; do
	printf 'raw %s: wall %s| CPU %s| RSS KiB %s\n' "$n" "${WALL[$n]}" "${CPU[$n]}" "${RSS[$n]}"
done
