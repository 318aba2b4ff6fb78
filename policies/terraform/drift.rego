# terraform.drift: the plan must be empty and nothing may have drifted.
#
# The Rego translation of the seed Sentinel policy (drift.sentinel):
#
#     import "tfplan/v2" as tfplan
#     main = rule { length(tfplan.resource_changes) is 0 }
#
# tfplan/v2's resource_changes lists no-op entries too, so the faithful
# reading is "no managed resource has a change other than no-op". Each
# offending resource is one deny, so reports name every one of them:
#
#   deny_pending_change  code not yet applied (resource_changes other than no-op/read)
#   deny_drift           resources changed or deleted outside terraform (resource_drift)
#
# Both are medium severity. The bundled policy set runs this policy as
# advisory (reported, never fails the run); raise it in your policy set:
#
#     policies:
#       - {name: terraform.drift, level: hard-mandatory}
#
# To waive it for some targets, add an exception in this package from your
# own policy directory (loaded with --policy DIR --bundled), e.g.
#
#     package terraform.drift
#     exception contains "drift" if input.context.root == "infra/sandbox"
package terraform.drift

import data.terraform.lib.tfplan

deny_pending_change contains {
	"msg": sprintf("%s has a pending change (%s): the plan is not empty", [addr, tfplan.action_label(rc.change.actions)]),
	"resource": addr,
	"severity": "medium",
} if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	tfplan.is_change(rc.change.actions)
}

deny_drift contains {
	"msg": sprintf("%s changed outside terraform (%s)%s", [addr, tfplan.action_label(rc.change.actions), attributes_note(addr)]),
	"resource": addr,
	"severity": "medium",
} if {
	some addr, rc in input.resource_drift
	rc.mode == "managed"
	tfplan.is_change(rc.change.actions)
	counted(addr)
}

# counted follows drift-action's own verdict (input.drift.drifted) when there
# is one: a drift whose every changed attribute matches an ignore rule of
# .github/drift.yaml is known noise and not reported. A deletion always is.
counted(_) if not input.drift.drifted

counted(addr) if addr in input.drift.drifted

# attributes_note names the drifted attributes (never their values); a
# deletion lists none: every attribute went with the object.
attributes_note(addr) := sprintf(": %s", [concat(", ", paths)]) if {
	input.resource_drift[addr].change.actions != ["delete"]
	paths := input.drift.attributes[addr]
	count(paths) > 0
} else := ""
