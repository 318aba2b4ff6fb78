package terraform.security.kubernetes_test

import data.terraform.security.kubernetes

# A container as the hashicorp/kubernetes provider shows it in plan JSON
# (nested blocks are lists).
container(name, sc) := {
	"name": name,
	"image": "ghcr.io/myorg/api:1.4.2",
	"command": null,
	"port": [{"container_port": 8080, "protocol": "TCP", "name": "http"}],
	"env": [{"name": "DB_PASSWORD", "value": "CANARY-secret", "value_from": []}],
	"security_context": sc,
}

restricted := [{
	"privileged": false,
	"allow_privilege_escalation": false,
	"read_only_root_filesystem": true,
	"run_as_non_root": true,
	"capabilities": [{"drop": ["ALL"], "add": null}],
}]

privileged := [{"privileged": true, "allow_privilege_escalation": true, "read_only_root_filesystem": false}]

escalating := [{"privileged": false, "allow_privilege_escalation": true}]

pod_spec(containers, init) := {
	"container": containers,
	"init_container": init,
	"service_account_name": "api",
	"security_context": [{"run_as_user": "1000", "fs_group": "2000"}],
}

deployment(spec) := {"metadata": [{"name": "api", "namespace": "prod"}], "spec": [{"replicas": "3", "selector": [{"match_labels": {"app": "api"}}], "template": [{"metadata": [{"labels": {"app": "api"}}], "spec": [spec]}]}]}

pod(spec) := {"metadata": [{"name": "debug", "namespace": "prod"}], "spec": [spec]}

cron_job(spec) := {"metadata": [{"name": "report"}], "spec": [{"schedule": "0 3 * * *", "job_template": [{"metadata": [], "spec": [{"backoff_limit": 2, "template": [{"metadata": [], "spec": [spec]}]}]}]}]}

rc(addr, type, actions, before, after) := {
	"address": addr,
	"mode": "managed",
	"type": type,
	"name": "x",
	"index": null,
	"module_address": "",
	"provider_name": "registry.terraform.io/hashicorp/kubernetes",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}},
}

plan(changes, drifts) := {
	"resource_changes": {r.address: r | some r in changes},
	"resource_drift": {r.address: r | some r in drifts},
	"output_changes": {},
	"variables": {},
	"drift": {"status": "changed", "drifted": [], "attributes": {}},
	"context": {"event": "pull_request", "root": "infra/k8s", "target": "default", "workspace": ""},
}

safe_spec := pod_spec([container("api", restricted)], [])

test_restricted_deployment_passes if {
	inp := plan([rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["create"], null, deployment(safe_spec))], [])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
	count(kubernetes.warn_privilege_escalation) == 0 with input as inp
}

test_container_without_security_context_passes if {
	spec := pod_spec([container("api", [])], [object.remove(container("migrate", null), ["security_context"])])
	inp := plan([rc("kubernetes_deployment.api", "kubernetes_deployment", ["create"], null, deployment(spec))], [])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
	count(kubernetes.warn_privilege_escalation) == 0 with input as inp
}

test_privileged_deployment_denied_critical if {
	spec := pod_spec([container("api", restricted), container("sidecar", privileged)], [])
	inp := plan([rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["update"], deployment(safe_spec), deployment(spec))], [])
	kubernetes.deny_privileged_container == {{
		"msg": "kubernetes_deployment_v1.api: container \"sidecar\" runs privileged",
		"resource": "kubernetes_deployment_v1.api",
		"severity": "critical",
	}} with input as inp
	kubernetes.warn_privilege_escalation == {{
		"msg": "kubernetes_deployment_v1.api: container \"sidecar\" allows privilege escalation (set allow_privilege_escalation = false)",
		"resource": "kubernetes_deployment_v1.api",
		"severity": "medium",
	}} with input as inp
}

test_privileged_init_container_denied if {
	spec := pod_spec([container("api", restricted)], [container("sysctl", privileged)])
	inp := plan([rc("kubernetes_stateful_set_v1.db", "kubernetes_stateful_set_v1", ["create"], null, deployment(spec))], [])
	some d in kubernetes.deny_privileged_container with input as inp
	d.msg == "kubernetes_stateful_set_v1.db: init container \"sysctl\" runs privileged"
}

test_every_workload_type_is_read if {
	bad := pod_spec([container("c", privileged)], [])
	changes := array.concat(
		[rc(sprintf("%s.w", [t]), t, ["create"], null, deployment(bad)) | some t in kubernetes.template_types],
		array.concat(
			[rc(sprintf("%s.w", [t]), t, ["create"], null, pod(bad)) | some t in kubernetes.pod_types],
			[rc(sprintf("%s.w", [t]), t, ["create"], null, cron_job(bad)) | some t in kubernetes.cron_job_types],
		),
	)
	count(changes) == 14
	denied := {d.resource | some d in kubernetes.deny_privileged_container} with input as plan(changes, [])
	denied == {r.address | some r in changes}
}

test_pod_and_cron_job_paths if {
	inp := plan(
		[
			rc("kubernetes_pod.debug", "kubernetes_pod", ["create"], null, pod(pod_spec([container("shell", privileged)], []))),
			rc("kubernetes_cron_job_v1.report", "kubernetes_cron_job_v1", ["create"], null, cron_job(pod_spec([container("report", escalating)], []))),
		],
		[],
	)
	{d.msg | some d in kubernetes.deny_privileged_container} == {"kubernetes_pod.debug: container \"shell\" runs privileged"} with input as inp
	{w.resource | some w in kubernetes.warn_privilege_escalation} == {"kubernetes_pod.debug", "kubernetes_cron_job_v1.report"} with input as inp
}

test_escalation_only_warns if {
	spec := pod_spec([container("api", escalating)], [])
	inp := plan([rc("kubernetes_daemon_set_v1.agent", "kubernetes_daemon_set_v1", ["create"], null, deployment(spec))], [])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
	count(kubernetes.warn_privilege_escalation) == 1 with input as inp
}

test_deletion_and_noop_are_not_judged if {
	bad := deployment(pod_spec([container("c", privileged)], []))
	inp := plan(
		[
			rc("kubernetes_deployment.old", "kubernetes_deployment", ["delete"], bad, null),
			rc("kubernetes_deployment.same", "kubernetes_deployment", ["no-op"], bad, bad),
		],
		[],
	)
	count(kubernetes.deny_privileged_container) == 0 with input as inp
}

test_other_resource_types_ignored if {
	inp := plan([rc("kubernetes_config_map.cfg", "kubernetes_config_map", ["create"], null, {"spec": [{"container": [container("c", privileged)]}]})], [])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
}

test_drift_to_privileged_denied if {
	# The code is fine and unchanged; someone ran `kubectl edit` and made the
	# container privileged. The plan would put it back, but the hole is open now.
	good := deployment(safe_spec)
	bad := deployment(pod_spec([container("api", privileged)], []))
	inp := plan(
		[rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["update"], bad, good)],
		[rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["update"], good, bad)],
	)
	kubernetes.deny_privileged_container == {{
		"msg": "kubernetes_deployment_v1.api: container \"api\" runs privileged (drift: the real resource was changed outside terraform)",
		"resource": "kubernetes_deployment_v1.api",
		"severity": "critical",
	}} with input as inp
}

test_drift_back_to_safe_passes if {
	good := deployment(safe_spec)
	bad := deployment(pod_spec([container("api", privileged)], []))
	inp := plan([], [rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["update"], bad, good)])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
}

test_deleted_drift_passes if {
	bad := deployment(pod_spec([container("api", privileged)], []))
	inp := plan([], [rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["delete"], bad, null)])
	count(kubernetes.deny_privileged_container) == 0 with input as inp
}

test_messages_carry_no_values if {
	inp := plan([rc("kubernetes_deployment_v1.api", "kubernetes_deployment_v1", ["create"], null, deployment(pod_spec([container("api", privileged)], [])))], [])
	msgs := {d.msg | some d in (kubernetes.deny_privileged_container | kubernetes.warn_privilege_escalation)} with input as inp
	count(msgs) == 2
	every m in msgs {
		not contains(m, "CANARY")
	}
}
