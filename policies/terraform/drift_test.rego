package terraform.drift_test

import data.terraform.drift

# Plan fragments as drift-action builds them from `terraform show -json`
# (see docs/policy-input.md): resource_changes and resource_drift keyed by
# address, tfplan/v2 style.

web_noop := {
	"address": "fakecloud_instance.web",
	"mode": "managed",
	"type": "fakecloud_instance",
	"name": "web",
	"index": null,
	"module_address": "",
	"provider_name": "registry.terraform.io/myorg/fakecloud",
	"change": {
		"actions": ["no-op"],
		"before": {"id": "i-1", "name": "web", "instance_type": "small", "password": null},
		"after": {"id": "i-1", "name": "web", "instance_type": "small", "password": null},
		"after_unknown": {},
		"before_sensitive": {"password": true},
		"after_sensitive": {"password": true},
	},
}

web_update := json.patch(web_noop, [
	{"op": "replace", "path": "/change/actions", "value": ["update"]},
	{"op": "replace", "path": "/change/after/instance_type", "value": "large"},
])

db_replace := {
	"address": "module.db.fakecloud_instance.db[0]",
	"mode": "managed",
	"type": "fakecloud_instance",
	"name": "db",
	"index": 0,
	"module_address": "module.db",
	"provider_name": "registry.terraform.io/myorg/fakecloud",
	"change": {
		"actions": ["delete", "create"],
		"before": {"id": "i-2", "name": "db-old", "instance_type": "small"},
		"after": {"name": "db", "instance_type": "small"},
		"after_unknown": {"id": true},
		"before_sensitive": {},
		"after_sensitive": {},
	},
}

data_read := {
	"address": "data.fakecloud_instance.lookup",
	"mode": "data",
	"type": "fakecloud_instance",
	"name": "lookup",
	"provider_name": "registry.terraform.io/myorg/fakecloud",
	"change": {"actions": ["read"], "before": null, "after": {"name": "web"}, "after_unknown": {"instance_type": true}},
}

web_drifted := json.patch(web_noop, [
	{"op": "replace", "path": "/change/actions", "value": ["update"]},
	{"op": "replace", "path": "/change/after/instance_type", "value": "xlarge"},
])

cache_deleted := {
	"address": "fakecloud_instance.cache",
	"mode": "managed",
	"type": "fakecloud_instance",
	"name": "cache",
	"provider_name": "registry.terraform.io/myorg/fakecloud",
	"change": {"actions": ["delete"], "before": {"id": "i-3", "name": "cache", "instance_type": "small"}, "after": null},
}

clean := {
	"resource_changes": {
		"fakecloud_instance.web": web_noop,
		"data.fakecloud_instance.lookup": data_read,
	},
	"resource_drift": {},
	"output_changes": {"url": {"actions": ["update"], "before": "a", "after": "b", "sensitive": false}},
	"drift": {"status": "clean", "drifted": [], "attributes": {}},
	"context": {"event": "schedule", "root": "infra/app", "target": "default", "workspace": ""},
}

test_clean_plan_passes if {
	count(drift.deny_pending_change) == 0 with input as clean
	count(drift.deny_drift) == 0 with input as clean
}

test_output_only_and_data_reads_are_not_changes if {
	# clean has an output change and a data source read: neither is a
	# resource change, as in drift-action's own verdict.
	count(drift.deny_pending_change) == 0 with input as clean
}

test_pending_update_denied if {
	inp := object.union(clean, {"resource_changes": {"fakecloud_instance.web": web_update}})
	drift.deny_pending_change == {{
		"msg": "fakecloud_instance.web has a pending change (update): the plan is not empty",
		"resource": "fakecloud_instance.web",
		"severity": "medium",
	}} with input as inp
}

test_every_pending_resource_is_named if {
	inp := object.union(clean, {"resource_changes": {
		"fakecloud_instance.web": web_update,
		"module.db.fakecloud_instance.db[0]": db_replace,
	}})
	denies := drift.deny_pending_change with input as inp
	{d.resource | some d in denies} == {"fakecloud_instance.web", "module.db.fakecloud_instance.db[0]"}
	some d in denies
	d.msg == "module.db.fakecloud_instance.db[0] has a pending change (replace): the plan is not empty"
}

test_create_and_delete_are_pending if {
	created := json.patch(db_replace, [
		{"op": "replace", "path": "/change/actions", "value": ["create"]},
		{"op": "replace", "path": "/change/before", "value": null},
	])
	inp := object.union(clean, {"resource_changes": {"module.db.fakecloud_instance.db[0]": created}})
	some d in drift.deny_pending_change with input as inp
	d.msg == "module.db.fakecloud_instance.db[0] has a pending change (create): the plan is not empty"
}

test_drift_denied_with_attribute_names if {
	inp := object.union(clean, {
		"resource_drift": {"fakecloud_instance.web": web_drifted},
		"drift": {"status": "drifted", "drifted": ["fakecloud_instance.web"], "attributes": {"fakecloud_instance.web": ["instance_type"]}},
	})
	drift.deny_drift == {{
		"msg": "fakecloud_instance.web changed outside terraform (update): instance_type",
		"resource": "fakecloud_instance.web",
		"severity": "medium",
	}} with input as inp
}

test_drift_deletion_denied if {
	inp := object.union(clean, {
		"resource_drift": {"fakecloud_instance.cache": cache_deleted},
		"drift": {"status": "drifted", "drifted": ["fakecloud_instance.cache"], "attributes": {"fakecloud_instance.cache": []}},
	})
	drift.deny_drift == {{
		"msg": "fakecloud_instance.cache changed outside terraform (delete)",
		"resource": "fakecloud_instance.cache",
		"severity": "medium",
	}} with input as inp
}

test_drift_without_verdict_counts_every_entry if {
	# e.g. an input built by hand without the "drift" verdict
	inp := object.remove(object.union(clean, {"resource_drift": {"fakecloud_instance.web": web_drifted}}), ["drift"])
	some d in drift.deny_drift with input as inp
	d.msg == "fakecloud_instance.web changed outside terraform (update)"
}

test_drift_ignored_by_config_is_not_denied if {
	# Every drifted attribute matched an ignore rule: drift-action's verdict
	# leaves the resource out, so the policy does too.
	inp := object.union(clean, {
		"resource_drift": {"fakecloud_instance.web": web_drifted},
		"drift": {"status": "clean", "drifted": [], "attributes": {}},
	})
	count(drift.deny_drift) == 0 with input as inp
}

test_noop_drift_entry_is_not_denied if {
	inp := object.union(clean, {"resource_drift": {"fakecloud_instance.web": web_noop}})
	count(drift.deny_drift) == 0 with input as inp
}

test_drift_and_pending_change_together if {
	# Drifted outside terraform and the plan puts it back: both are reported.
	reverting := json.patch(web_update, [
		{"op": "replace", "path": "/change/before/instance_type", "value": "xlarge"},
		{"op": "replace", "path": "/change/after/instance_type", "value": "small"},
	])
	inp := object.union(clean, {
		"resource_changes": {"fakecloud_instance.web": reverting},
		"resource_drift": {"fakecloud_instance.web": web_drifted},
		"drift": {"status": "drifted", "drifted": ["fakecloud_instance.web"], "attributes": {"fakecloud_instance.web": ["instance_type"]}},
	})
	count(drift.deny_pending_change) == 1 with input as inp
	count(drift.deny_drift) == 1 with input as inp
}

test_messages_never_carry_values if {
	secret := json.patch(web_update, [{"op": "replace", "path": "/change/after/password", "value": "hunter2-CANARY"}])
	inp := object.union(clean, {
		"resource_changes": {"fakecloud_instance.web": secret},
		"resource_drift": {"fakecloud_instance.web": json.patch(web_drifted, [{"op": "replace", "path": "/change/after/password", "value": "hunter2-CANARY"}])},
		"drift": {"status": "drifted", "drifted": ["fakecloud_instance.web"], "attributes": {"fakecloud_instance.web": ["password"]}},
	})
	denies := drift.deny_pending_change | drift.deny_drift with input as inp
	count(denies) == 2
	every d in denies {
		not contains(d.msg, "hunter2")
	}
}

# An exception waives a named deny rule of the same package for a whole
# target. drift-action applies it (the deny is reported as waived and fails
# nothing); this is what a user writes, in their own policy directory loaded
# with --policy DIR --bundled, to accept drift in a sandbox:
#
#     package terraform.drift
#     exception contains "drift" if input.context.root == "infra/sandbox"
#     exception contains "pending_change" if input.context.event == "pull_request"
#
# The same rules, here in the test package so they never apply to real runs:
exception contains "drift" if input.context.root == "infra/sandbox"

exception contains "pending_change" if input.context.event == "pull_request"

test_exception_example_waives_sandbox_drift_only if {
	sandbox := object.union(clean, {
		"resource_drift": {"fakecloud_instance.web": web_drifted},
		"drift": {"status": "drifted", "drifted": ["fakecloud_instance.web"], "attributes": {"fakecloud_instance.web": ["instance_type"]}},
		"context": {"root": "infra/sandbox"},
	})

	# the deny still fires: drift-action marks it waived instead of dropping it
	count(drift.deny_drift) == 1 with input as sandbox
	exception == {"drift"} with input as sandbox

	prod := object.union(sandbox, {"context": {"root": "infra/prod"}})
	count(exception) == 0 with input as prod
}

test_exception_example_names_real_rules if {
	# "drift" waives deny_drift, "pending_change" deny_pending_change
	inp := object.union(clean, {"context": {"event": "pull_request", "root": "infra/sandbox"}})
	names := exception with input as inp
	names == {"drift", "pending_change"}
	every name in names {
		is_set(drift[concat("", ["deny_", name])])
	}
}
