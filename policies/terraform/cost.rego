# terraform.cost: catch expensive changes before they are applied, and
# expensive drift after someone resized a machine by hand.
#
#   deny_instance_upgrade  an instance moves to a pricier size, in the plan
#                          (update or replacement) or in drift (high)
#   warn_unknown_price     a size that counts toward the estimate is not in the
#                          price table, or not known until apply (low)
#   deny_over_budget       the plan's estimated monthly cost change exceeds
#                          the budget (critical, resource "")
#
# Prices and budget are data, mounted at the root of `data` from
# policies/data/prices.json:
#
#     {"prices": {"aws_instance": {"t3.micro": 7.59, ...}, ...},
#      "budget": {"monthly_delta_usd": 100}}
#
# The bundled prices are on-demand list prices, hourly x 730, for Linux
# (Windows VMs include the license) in us-east-1, us-central1 and East US;
# fakecloud_instance is the test provider's. Change them for your region,
# discounts or currency:
#   - replacing the bundled policies (--policy DIR): ship your own
#     DIR/data/prices.json with "prices" and "budget";
#   - keeping them (--policy DIR --bundled): "prices" and "budget" are taken,
#     so add DIR/data/cost.json with "cost_overrides", merged over them:
#       {"cost_overrides": {"budget": {"monthly_delta_usd": 500},
#                           "prices": {"aws_instance": {"c7i.large": 65.41}}}}
package terraform.cost

import data.terraform.lib.tfplan

# size_attribute: the attribute that picks an instance's size, per type.
size_attribute := {
	"aws_instance": "instance_type",
	"fakecloud_instance": "instance_type",
	"google_compute_instance": "machine_type",
	"azurerm_linux_virtual_machine": "size",
	"azurerm_windows_virtual_machine": "size",
}

default_settings := {"prices": {}, "budget": {"monthly_delta_usd": 100}}

default bundled_prices := {}

bundled_prices := data.prices

default bundled_budget := {}

bundled_budget := data.budget

default overrides := {}

overrides := data.cost_overrides

# settings: defaults, then data.prices / data.budget, then data.cost_overrides.
settings := object.union(
	object.union(default_settings, {"prices": bundled_prices, "budget": bundled_budget}),
	overrides,
)

budget := settings.budget.monthly_delta_usd

# price is the monthly price of a size, when the table has it.
price(type, size) := p if {
	p := settings.prices[type][size]
	is_number(p)
}

# ---- instance size upgrades ----

# resizes: [address, type, attribute, from, to, origin] of every size change,
# planned (update or replacement) or drifted.
resizes contains [addr, rc.type, attr, from, to, "planned"] if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	tfplan.kind(rc.change.actions) in {"update", "replace"}
	[attr, from, to] := size_change(rc)
}

resizes contains [addr, rc.type, attr, from, to, "drift"] if {
	some addr, rc in input.resource_drift
	rc.mode == "managed"
	tfplan.kind(rc.change.actions) in {"update", "replace"}
	[attr, from, to] := size_change(rc)
}

size_change(rc) := [attr, from, to] if {
	attr := size_attribute[rc.type]
	from := rc.change.before[attr]
	to := rc.change.after[attr]
	is_string(from)
	is_string(to)
	from != to
}

deny_instance_upgrade contains {
	"msg": sprintf("%s: instance size upgrade %s -> %s%s (+%s/month)", [addr, from, to, where, money(price(type, to) - price(type, from))]),
	"resource": addr,
	"severity": "high",
} if {
	some [addr, type, _, from, to, origin] in resizes
	price(type, to) > price(type, from)
	where := origin_label[origin]
}

origin_label := {"planned": "", "drift": " outside terraform"}

# ---- unknown prices ----

warn_unknown_price contains {
	"msg": sprintf("%s: price unknown for %s %q (not in the price table); left out of the cost estimate", [addr, attr, size]),
	"resource": addr,
	"severity": "low",
} if {
	some [addr, type, attr, size] in counted_sizes
	is_string(size)
	not price(type, size)
}

warn_unknown_price contains {
	"msg": sprintf("%s: price unknown: %s is not known until apply; left out of the cost estimate", [addr, attr]),
	"resource": addr,
	"severity": "low",
} if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	tfplan.kind(rc.change.actions) in {"create", "update", "replace"}
	attr := size_attribute[rc.type]
	rc.change.after_unknown[attr] == true
}

# counted_sizes: [address, type, attribute, size] of every size whose price
# the estimate needs: the new size of a create, the old one of a delete, both
# of a resize (planned or drifted).
counted_sizes contains [addr, rc.type, size_attribute[rc.type], rc.change.after[size_attribute[rc.type]]] if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	tfplan.kind(rc.change.actions) == "create"
}

counted_sizes contains [addr, rc.type, size_attribute[rc.type], rc.change.before[size_attribute[rc.type]]] if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	tfplan.kind(rc.change.actions) == "delete"
}

counted_sizes contains [addr, type, attr, size] if {
	some [addr, type, attr, from, to, _] in resizes
	some size in [from, to]
}

# ---- budget ----

# monthly_delta: estimated monthly cost change per resource: a create adds
# its price, a delete subtracts it, a resize (update or replacement) adds
# the difference. Sizes without a price count as 0 (and warn).
monthly_delta[addr] := d if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	k := tfplan.kind(rc.change.actions)
	k in {"create", "delete", "update", "replace"}
	d := delta(k, rc)
}

delta("create", rc) := price(rc.type, rc.change.after[size_attribute[rc.type]])

delta("delete", rc) := 0 - price(rc.type, rc.change.before[size_attribute[rc.type]])

delta(k, rc) := price(rc.type, to) - price(rc.type, from) if {
	k in {"update", "replace"}
	[_, from, to] := size_change(rc)
}

total_monthly_delta := sum([d | some d in monthly_delta])

deny_over_budget contains {
	"msg": sprintf("estimated monthly cost change %s exceeds the budget of %s (budget.monthly_delta_usd)%s", [signed_money(total_monthly_delta), money(budget), largest_note]),
	"resource": "",
	"severity": "critical",
} if {
	is_number(budget)
	total_monthly_delta > budget
}

# largest_note names the three largest increases.
largest_note := sprintf("; largest: %s", [concat(", ", [sprintf("%s %s", [addr, signed_money(0 - neg)]) | some [neg, addr] in top])]) if {
	ranked := sort([[0 - d, addr] | some addr, d in monthly_delta; d > 0])
	top := array.slice(ranked, 0, 3)
	count(top) > 0
} else := ""

# money formats USD with cents: 62.49 -> "$62.49"; signed_money adds "+".
money(x) := sprintf("%s$%d.%02d", [sign, dollars, cents]) if {
	c := round(abs(x) * 100)
	dollars := floor(c / 100)
	cents := c - (dollars * 100)
	sign := negative_sign(x, c)
}

signed_money(x) := concat("", ["+", money(x)]) if x >= 0

else := money(x)

negative_sign(x, c) := "-" if {
	x < 0
	c > 0
} else := ""
