#!/usr/bin/env bash
# Targets of one root, before and after per-target data directories.
# See bench/README.md, section 5 ("Targets of one root in parallel").
#
#   bash bench/targets.sh
#
# One root planned for four regions (four targets, each with its var-file).
# Three ways, interleaved, each run REPS times after WARMUP unmeasured
# runs, medians:
#   before     drift-action built from BEFORE_REF (default: 58f6c57, the
#              last version whose targets of one root shared the root's
#              .terraform), targets told apart by workspace (one local
#              backend, a workspace per region: what that version could
#              do), --parallelism PAR. Targets of one root took turns.
#   sequential this tree, each target its own local backend path
#              (backend-config) and var-file, --parallelism 1: the same
#              order of work as taking turns, on the same fixture as after.
#   after      this tree, same fixture, --parallelism PAR.
# Every state is applied during setup (not measured), so each plan finds
# nothing to do. Two kinds of root, both measured:
#   data   COUNT terraform_data resources: terraform's own CPU work only.
#   cloud  CLOUD_COUNT fakecloud instances (testdata/fakecloud, built here
#          and installed from a filesystem mirror) whose every read takes LATENCY,
#          as a cloud API's round trip does.
#
# Knobs: REPS=5 WARMUP=1 COUNT=300 CLOUD_COUNT=40 LATENCY=200ms PAR=4
#        KINDS="data cloud" TERRAFORM=terraform BEFORE_REF=<git ref>
#        BENCH_WORK=DIR (kept; default: a temp dir, removed)
set -euo pipefail

REPS=${REPS:-5}
WARMUP=${WARMUP:-1}
COUNT=${COUNT:-300}
CLOUD_COUNT=${CLOUD_COUNT:-40}
LATENCY=${LATENCY:-200ms}
KINDS=${KINDS:-data cloud}
PAR=${PAR:-4}
TERRAFORM=${TERRAFORM:-terraform}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Later versions give every target a new working directory, where
# terraform asks to copy the workspaces' state into the block's local
# backend and a run cannot answer: the before side needs this one.
BEFORE_REF=${BEFORE_REF:-58f6c57}
TF=$(command -v "$TERRAFORM") || { echo "bench: $TERRAFORM not found on PATH" >&2; exit 1; }
REGIONS="ap eu sa us"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -n "${BENCH_WORK:-}" ]; then
	WORK=$BENCH_WORK
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/drift-bench-targets-XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS || true

log "building drift-action: this tree and $BEFORE_REF"
(cd "$REPO" && go build -o "$WORK/after" .)
rm -rf "$WORK/before-src" && mkdir -p "$WORK/before-src"
git -C "$REPO" archive "$BEFORE_REF" | tar -x -C "$WORK/before-src"
(cd "$WORK/before-src" && go build -o "$WORK/before" .)
# shellcheck source=bench/fakecloud.sh
source "$REPO/bench/fakecloud.sh"
fakecloud_mirror "$WORK" "$REPO"

# fixture NAME KIND: a repository with one root, backend "local" {}.
fixture() {
	local repo=$WORK/$1 root=$WORK/$1/infra/app
	rm -rf "$repo" && mkdir -p "$root" "$repo/.github" "$repo/.git"
	if [ "$2" = data ]; then
		cat >"$root/main.tf" <<TF
terraform {
  backend "local" {}
}

variable "region" {}

resource "terraform_data" "r" {
  count = $COUNT
  input = "\${var.region}-\${count.index}"
}
TF
	else
		cat >"$root/main.tf" <<TF
terraform {
  required_providers {
    fakecloud = { source = "myorg/fakecloud", version = "0.1.0" }
  }
  backend "local" {}
}

variable "region" {}

provider "fakecloud" {
  state_file = "$repo/cloud-\${var.region}.json"
}

resource "fakecloud_instance" "r" {
  count = $CLOUD_COUNT
  name  = "\${var.region}-\${count.index}"
}
TF
	fi
	printf 'roots:\n  - dir: infra/app\n    targets:\n' >"$repo/.github/drift.yaml"
	for r in $REGIONS; do
		printf 'region = "%s"\n' "$r" >"$root/$r.tfvars"
	done
}

setup() {
	local kind=$1
	log "fixture $kind: workspaces (before)"
	fixture ws-$kind $kind
	(
		cd "$WORK/ws-$kind/infra/app"
		"$TF" init -input=false >/dev/null
		for r in $REGIONS; do
			"$TF" workspace new "$r" >/dev/null
			"$TF" apply -auto-approve -input=false -var-file="$r.tfvars" >/dev/null
			printf '      - {name: %s, workspace: %s, var-files: [%s.tfvars]}\n' "$r" "$r" "$r" >>"$WORK/ws-$kind/.github/drift.yaml"
		done
	)
	log "fixture $kind: a backend per target (sequential, after)"
	fixture be-$kind $kind
	(
		cd "$WORK/be-$kind/infra/app"
		for r in $REGIONS; do
			TF_DATA_DIR="$WORK/setup-data-$r" "$TF" init -input=false -backend-config="path=$r.tfstate" >/dev/null
			TF_DATA_DIR="$WORK/setup-data-$r" "$TF" apply -auto-approve -input=false -var-file="$r.tfvars" >/dev/null
			printf '      - {name: %s, var-files: [%s.tfvars], backend-config: [path=%s.tfstate]}\n' "$r" "$r" "$r" >>"$WORK/be-$kind/.github/drift.yaml"
		done
		rm -rf "$WORK"/setup-data-*
	)
}

# once LABEL BIN REPO PARALLELISM: one run; prints its wall time in ms.
once() {
	local label=$1 bin=$2 repo=$3 par=$4 s e rc=0
	s=$(date +%s%N)
	(cd "$repo" && "$bin" detect --terraform "$TF" --no-policy --parallelism "$par" --format json >"$WORK/out.json" 2>"$WORK/err.txt") || rc=$?
	e=$(date +%s%N)
	if [ "$rc" != 0 ]; then
		echo "bench: $label exited $rc" >&2
		cat "$WORK/err.txt" >&2
		exit 1
	fi
	if grep -Eq '"status": *"(drifted|changed|error)"' "$WORK/out.json" || ! grep -q '"status": *"clean"' "$WORK/out.json"; then
		echo "bench: $label: not clean" >&2
		cat "$WORK/out.json" >&2
		exit 1
	fi
	echo $(((e - s) / 1000000))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]/1000}'; }

# measure KIND: the three runs interleaved, rep by rep, so load from
# elsewhere on the machine falls on all three alike; sets before,
# sequential and after to the medians in seconds.
measure() {
	local kind=$1 i b s a bs=() ss=() as=()
	for ((i = 0; i < WARMUP + REPS; i++)); do
		b=$(once "$kind before" "$WORK/before" "$WORK/ws-$kind" "$PAR")
		s=$(once "$kind sequential" "$WORK/after" "$WORK/be-$kind" 1)
		a=$(once "$kind after" "$WORK/after" "$WORK/be-$kind" "$PAR")
		if ((i >= WARMUP)); then bs+=("$b") ss+=("$s") as+=("$a"); fi
	done
	log "$kind before: ${bs[*]} ms; sequential: ${ss[*]} ms; after: ${as[*]} ms"
	before=$(median "${bs[@]}") sequential=$(median "${ss[@]}") after=$(median "${as[@]}")
}

export FAKECLOUD_READ_LATENCY=$LATENCY
echo "| root | run | targets told apart by | --parallelism | wall time (median of $REPS) | vs before |"
echo "|---|---|---|---|---|---|"
for kind in $KINDS; do
	setup "$kind"
	measure "$kind"
	case $kind in
	data) what="$COUNT terraform_data" ;;
	cloud) what="$CLOUD_COUNT fakecloud, $LATENCY/read" ;;
	esac
	echo "| $what | before ($(git -C "$REPO" rev-parse --short "$BEFORE_REF")) | workspace | $PAR | ${before} s | 1.00 |"
	echo "| $what | sequential | backend-config path | 1 | ${sequential} s | $(awk "BEGIN {printf \"%.2f\", $sequential / $before}") |"
	echo "| $what | after | backend-config path | $PAR | ${after} s | $(awk "BEGIN {printf \"%.2f\", $after / $before}") |"
done
echo
echo "$(nproc) CPUs, $("$TF" version | head -1), 4 targets (regions) of one root, resources per target as shown; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
