package terraform.cost_test

import data.terraform.cost

# A small price table, so the tests do not depend on the bundled prices.
prices := {
	"aws_instance": {"t3.micro": 7.59, "t3.large": 60.74, "m5.large": 70.08, "m5.xlarge": 140.16},
	"google_compute_instance": {"e2-small": 12.23, "e2-standard-4": 97.83},
	"azurerm_linux_virtual_machine": {"Standard_B1s": 7.59, "Standard_D4s_v5": 140.16},
	"azurerm_windows_virtual_machine": {"Standard_B2s": 36.21, "Standard_D2s_v5": 137.24},
	"fakecloud_instance": {"small": 10, "large": 40, "xlarge": 80, "huge": 300},
}

budget := {"monthly_delta_usd": 100}

rc(addr, actions, before, after) := {
	"address": addr,
	"mode": "managed",
	"type": split(addr, ".")[0],
	"name": split(addr, ".")[1],
	"index": null,
	"module_address": "",
	"provider_name": "registry.terraform.io/hashicorp/aws",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}},
}

plan(changes, drifts) := {
	"resource_changes": {r.address: r | some r in changes},
	"resource_drift": {r.address: r | some r in drifts},
	"output_changes": {},
	"variables": {},
	"drift": {"status": "changed", "drifted": [], "attributes": {}},
	"context": {"event": "pull_request", "root": "infra/app", "target": "default", "workspace": ""},
}

vm(type) := {"ami": "ami-0abcdef", "instance_type": type, "tags": {"Name": "web"}, "user_data": "CANARY-user-data"}

resize(addr, attr, from, to) := rc(addr, ["update"], {attr: from, "name": "x"}, {attr: to, "name": "x"})

# ---- instance size upgrades ----

test_aws_upgrade_denied_high if {
	inp := plan([rc("aws_instance.web", ["update"], vm("t3.micro"), vm("m5.large"))], [])
	cost.deny_instance_upgrade == {{
		"msg": "aws_instance.web: instance size upgrade t3.micro -> m5.large (+$62.49/month)",
		"resource": "aws_instance.web",
		"severity": "high",
	}} with input as inp with data.prices as prices with data.budget as budget
}

test_downgrade_and_same_size_pass if {
	inp := plan(
		[
			rc("aws_instance.web", ["update"], vm("m5.large"), vm("t3.micro")),
			rc("aws_instance.api", ["update"], vm("t3.micro"), object.union(vm("t3.micro"), {"tags": {"Name": "api"}})),
		],
		[],
	)
	count(cost.deny_instance_upgrade) == 0 with input as inp with data.prices as prices with data.budget as budget
	count(cost.warn_unknown_price) == 0 with input as inp with data.prices as prices with data.budget as budget
}

test_every_provider_size_attribute if {
	inp := plan(
		[
			resize("google_compute_instance.app", "machine_type", "e2-small", "e2-standard-4"),
			resize("azurerm_linux_virtual_machine.app", "size", "Standard_B1s", "Standard_D4s_v5"),
			resize("azurerm_windows_virtual_machine.app", "size", "Standard_B2s", "Standard_D2s_v5"),
			resize("fakecloud_instance.web", "instance_type", "small", "large"),
		],
		[],
	)
	{d.msg | some d in cost.deny_instance_upgrade} == {
		"google_compute_instance.app: instance size upgrade e2-small -> e2-standard-4 (+$85.60/month)",
		"azurerm_linux_virtual_machine.app: instance size upgrade Standard_B1s -> Standard_D4s_v5 (+$132.57/month)",
		"azurerm_windows_virtual_machine.app: instance size upgrade Standard_B2s -> Standard_D2s_v5 (+$101.03/month)",
		"fakecloud_instance.web: instance size upgrade small -> large (+$30.00/month)",
	} with input as inp with data.prices as prices with data.budget as budget
}

test_wrong_size_attribute_is_not_read if {
	# google machines are sized by machine_type, not instance_type
	inp := plan([resize("google_compute_instance.app", "instance_type", "e2-small", "e2-standard-4")], [])
	count(cost.deny_instance_upgrade) == 0 with input as inp with data.prices as prices with data.budget as budget
}

test_upgrade_by_replacement_denied if {
	inp := plan([rc("aws_instance.web", ["create", "delete"], vm("t3.micro"), vm("t3.large"))], [])
	{d.msg | some d in cost.deny_instance_upgrade} == {"aws_instance.web: instance size upgrade t3.micro -> t3.large (+$53.15/month)"} with input as inp with data.prices as prices with data.budget as budget
}

test_drift_upgrade_denied if {
	# Someone resized the machine in the console; the plan would shrink it
	# back (a downgrade, not denied), the drift is the upgrade.
	inp := plan(
		[rc("fakecloud_instance.web", ["update"], {"name": "web", "instance_type": "xlarge"}, {"name": "web", "instance_type": "small"})],
		[rc("fakecloud_instance.web", ["update"], {"name": "web", "instance_type": "small"}, {"name": "web", "instance_type": "xlarge"})],
	)
	cost.deny_instance_upgrade == {{
		"msg": "fakecloud_instance.web: instance size upgrade small -> xlarge outside terraform (+$70.00/month)",
		"resource": "fakecloud_instance.web",
		"severity": "high",
	}} with input as inp with data.prices as prices with data.budget as budget
}

test_unknown_size_warns_instead_of_denying if {
	inp := plan([rc("aws_instance.web", ["update"], vm("t3.micro"), vm("x9.mega"))], [])
	count(cost.deny_instance_upgrade) == 0 with input as inp with data.prices as prices with data.budget as budget
	cost.warn_unknown_price == {{
		"msg": "aws_instance.web: price unknown for instance_type \"x9.mega\" (not in the price table); left out of the cost estimate",
		"resource": "aws_instance.web",
		"severity": "low",
	}} with input as inp with data.prices as prices with data.budget as budget
}

test_unknown_size_in_drift_warns if {
	inp := plan([], [resize("fakecloud_instance.web", "instance_type", "small", "gigantic")])
	{w.msg | some w in cost.warn_unknown_price} == {"fakecloud_instance.web: price unknown for instance_type \"gigantic\" (not in the price table); left out of the cost estimate"} with input as inp with data.prices as prices with data.budget as budget
}

test_size_known_after_apply_warns if {
	created := rc("aws_instance.web", ["create"], null, object.union(vm(null), {"instance_type": null}))
	inp := plan([json.patch(created, [{"op": "replace", "path": "/change/after_unknown", "value": {"instance_type": true, "id": true}}])], [])
	{w.msg | some w in cost.warn_unknown_price} == {"aws_instance.web: price unknown: instance_type is not known until apply; left out of the cost estimate"} with input as inp with data.prices as prices with data.budget as budget
}

test_unpriced_types_are_ignored if {
	inp := plan([resize("aws_db_instance.db", "instance_class", "db.t3.micro", "db.r5.4xlarge"), rc("aws_s3_bucket.b", ["create"], null, {"bucket": "b"})], [])
	count(cost.deny_instance_upgrade | cost.warn_unknown_price) == 0 with input as inp with data.prices as prices with data.budget as budget
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as budget
}

# ---- budget ----

test_within_budget_passes if {
	inp := plan(
		[
			rc("aws_instance.a", ["create"], null, vm("m5.large")),
			rc("aws_instance.b", ["create"], null, vm("t3.micro")),
		],
		[],
	)
	cost.total_monthly_delta == 77.67 with input as inp with data.prices as prices with data.budget as budget
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as budget
}

test_over_budget_denied_critical if {
	inp := plan(
		[
			rc("aws_instance.a", ["create"], null, vm("m5.large")),
			rc("aws_instance.b", ["create"], null, vm("m5.xlarge")),
			rc("fakecloud_instance.c", ["create"], null, {"name": "c", "instance_type": "small"}),
			rc("fakecloud_instance.d", ["create"], null, {"name": "d", "instance_type": "large"}),
			rc("aws_instance.old", ["delete"], vm("t3.large"), null),
			rc("google_compute_instance.g", ["update"], {"machine_type": "e2-standard-4"}, {"machine_type": "e2-small"}),
		],
		[],
	)

	# 70.08 + 140.16 + 10 + 40 - 60.74 + (12.23 - 97.83) = 113.90
	cost.deny_over_budget == {{
		"msg": "estimated monthly cost change +$113.90 exceeds the budget of $100.00 (budget.monthly_delta_usd); largest: aws_instance.b +$140.16, aws_instance.a +$70.08, fakecloud_instance.d +$40.00",
		"resource": "",
		"severity": "critical",
	}} with input as inp with data.prices as prices with data.budget as budget
}

test_deletes_and_downsizes_offset_creates if {
	inp := plan(
		[
			rc("aws_instance.new", ["create"], null, vm("m5.xlarge")),
			rc("aws_instance.old", ["delete"], vm("m5.xlarge"), null),
		],
		[],
	)
	cost.total_monthly_delta == 0 with input as inp with data.prices as prices with data.budget as budget
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as budget
}

test_budget_counts_only_resource_changes if {
	# drift already happened: it is not a cost the plan adds
	inp := plan([], [resize("fakecloud_instance.web", "instance_type", "small", "huge")])
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as budget
}

test_noop_and_read_cost_nothing if {
	inp := plan(
		[
			rc("fakecloud_instance.web", ["no-op"], {"instance_type": "huge"}, {"instance_type": "huge"}),
			object.union(rc("fakecloud_instance.lookup", ["read"], null, {"instance_type": "huge"}), {"mode": "data", "address": "data.fakecloud_instance.lookup"}),
		],
		[],
	)
	cost.total_monthly_delta == 0 with input as inp with data.prices as prices with data.budget as {"monthly_delta_usd": 0}
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as {"monthly_delta_usd": 0}
}

test_budget_comes_from_data if {
	inp := plan([rc("fakecloud_instance.big", ["create"], null, {"name": "big", "instance_type": "huge"})], [])
	count(cost.deny_over_budget) == 1 with input as inp with data.prices as prices with data.budget as budget
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as {"monthly_delta_usd": 500}
}

test_cost_overrides_merge_over_bundled_data if {
	inp := plan([rc("aws_instance.web", ["update"], vm("t3.micro"), vm("c7i.large"))], [])
	overrides := {"prices": {"aws_instance": {"c7i.large": 65.41}}, "budget": {"monthly_delta_usd": 50}}

	# without overrides: c7i.large is unknown
	count(cost.warn_unknown_price) == 1 with input as inp with data.prices as prices with data.budget as budget
	count(cost.deny_over_budget) == 0 with input as inp with data.prices as prices with data.budget as budget

	# with them: priced (bundled sizes kept), and the lower budget applies
	{d.msg | some d in cost.deny_instance_upgrade} == {"aws_instance.web: instance size upgrade t3.micro -> c7i.large (+$57.82/month)"} with input as inp with data.prices as prices with data.budget as budget with data.cost_overrides as overrides
	count(cost.warn_unknown_price) == 0 with input as inp with data.prices as prices with data.budget as budget with data.cost_overrides as overrides
	count(cost.deny_over_budget) == 1 with input as inp with data.prices as prices with data.budget as budget with data.cost_overrides as overrides
}

test_default_budget_without_data if {
	cost.budget == 100 with data.budget as {}
}

test_messages_carry_no_values if {
	inp := plan([rc("aws_instance.web", ["update"], vm("t3.micro"), vm("m5.xlarge")), rc("aws_instance.x", ["create"], null, vm("m5.xlarge"))], [])
	msgs := {d.msg | some d in (cost.deny_instance_upgrade | cost.deny_over_budget)} with input as inp with data.prices as prices with data.budget as budget
	count(msgs) == 2
	every m in msgs {
		not contains(m, "CANARY")
	}
}

# ---- the bundled data file (policies/data/prices.json, at data root) ----

test_bundled_prices_cover_every_priced_type if {
	every type, _ in cost.size_attribute {
		count(data.prices[type]) > 0
	}
	every _, table in data.prices {
		every size, p in table {
			is_string(size)
			is_number(p)
			p > 0
		}
	}
	is_number(data.budget.monthly_delta_usd)
}

test_bundled_prices_are_ordered_sensibly if {
	data.prices.aws_instance["t3.micro"] < data.prices.aws_instance["m5.large"]
	data.prices.google_compute_instance["e2-small"] < data.prices.google_compute_instance["e2-standard-4"]
	data.prices.azurerm_windows_virtual_machine.Standard_D2s_v5 > data.prices.azurerm_linux_virtual_machine.Standard_D2s_v5
	data.prices.fakecloud_instance == {"small": 10, "large": 40, "xlarge": 80, "huge": 300}
}
