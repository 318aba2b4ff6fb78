# terraform.security.kubernetes: containers of workloads managed with the
# hashicorp/kubernetes provider must not run privileged.
#
#   deny_privileged_container   security_context[0].privileged == true  (critical)
#   warn_privilege_escalation   security_context[0].allow_privilege_escalation == true  (medium)
#
# Judged on what terraform will create or update (change.after) and on drift:
# a workload someone made privileged with kubectl shows in resource_drift
# with its real state, and is denied although the code is fine.
#
# Containers and init containers are read where each resource type keeps its
# pod spec (block attributes are lists in plan JSON, hence the [0]):
#   kubernetes_pod(_v1)                  spec[0]
#   deployment, daemon set, stateful set,
#   job, replication controller (+ _v1)  spec[0].template[0].spec[0]
#   kubernetes_cron_job(_v1)             spec[0].job_template[0].spec[0].template[0].spec[0]
package terraform.security.kubernetes

import data.terraform.lib.tfplan

pod_types := {"kubernetes_pod", "kubernetes_pod_v1"}

template_types := {
	"kubernetes_deployment", "kubernetes_deployment_v1",
	"kubernetes_daemonset", "kubernetes_daemon_set_v1",
	"kubernetes_stateful_set", "kubernetes_stateful_set_v1",
	"kubernetes_job", "kubernetes_job_v1",
	"kubernetes_replication_controller", "kubernetes_replication_controller_v1",
}

cron_job_types := {"kubernetes_cron_job", "kubernetes_cron_job_v1"}

pod_spec(subject) := subject.values.spec[0] if subject.type in pod_types

pod_spec(subject) := subject.values.spec[0].template[0].spec[0] if subject.type in template_types

pod_spec(subject) := subject.values.spec[0].job_template[0].spec[0].template[0].spec[0] if subject.type in cron_job_types

# containers: one entry per container and init container of a judged workload.
containers contains {"address": subject.address, "origin": subject.origin, "label": label, "security_context": sc} if {
	some subject in tfplan.subjects
	spec := pod_spec(subject)
	some block, kind in {"container": "container", "init_container": "init container"}
	some c in tfplan.list(spec, block)
	sc := tfplan.get(c, "security_context", [{}])[0]
	label := sprintf("%s %q", [kind, tfplan.get(c, "name", "")])
}

deny_privileged_container contains {
	"msg": sprintf("%s: %s runs privileged%s", [c.address, c.label, tfplan.origin_note(c)]),
	"resource": c.address,
	"severity": "critical",
} if {
	some c in containers
	c.security_context.privileged == true
}

warn_privilege_escalation contains {
	"msg": sprintf("%s: %s allows privilege escalation (set allow_privilege_escalation = false)%s", [c.address, c.label, tfplan.origin_note(c)]),
	"resource": c.address,
	"severity": "medium",
} if {
	some c in containers
	c.security_context.allow_privilege_escalation == true
}
