package terraform.lib.tfplan_test

import data.terraform.lib.tfplan

test_is_change if {
	tfplan.is_change(["create"])
	tfplan.is_change(["update"])
	tfplan.is_change(["delete", "create"])
	tfplan.is_change(["forget"])
	not tfplan.is_change(["no-op"])
	not tfplan.is_change(["read"])
	not tfplan.is_change([])
}

test_kind_and_label if {
	tfplan.kind(["create"]) == "create"
	tfplan.kind(["update"]) == "update"
	tfplan.kind(["delete"]) == "delete"
	tfplan.kind(["delete", "create"]) == "replace"
	tfplan.kind(["create", "delete"]) == "replace"
	tfplan.kind(["no-op"]) == ""
	tfplan.kind(["read"]) == ""
	tfplan.action_label(["create", "delete"]) == "replace"
	tfplan.action_label(["update"]) == "update"
	tfplan.action_label(["forget"]) == "forget"
}

test_list_and_get if {
	obj := {"a": [1, 2], "s": "x", "n": null, "f": false}
	tfplan.list(obj, "a") == [1, 2]
	tfplan.list(obj, "s") == ["x"]
	tfplan.list(obj, "n") == []
	tfplan.list(obj, "missing") == []
	tfplan.get(obj, "s", "d") == "x"
	tfplan.get(obj, "f", true) == false
	tfplan.get(obj, "n", "d") == "d"
	tfplan.get(obj, "missing", "d") == "d"
}

entry(addr, mode, actions, before, after) := {
	"address": addr,
	"mode": mode,
	"type": split(addr, ".")[0],
	"name": split(addr, ".")[1],
	"change": {"actions": actions, "before": before, "after": after},
}

test_subjects if {
	inp := {
		"resource_changes": {
			"aws_instance.new": entry("aws_instance.new", "managed", ["create"], null, {"v": 1}),
			"aws_instance.upd": entry("aws_instance.upd", "managed", ["update"], {"v": 1}, {"v": 2}),
			"aws_instance.rep": entry("aws_instance.rep", "managed", ["delete", "create"], {"v": 1}, {"v": 3}),
			"aws_instance.del": entry("aws_instance.del", "managed", ["delete"], {"v": 1}, null),
			"aws_instance.same": entry("aws_instance.same", "managed", ["no-op"], {"v": 1}, {"v": 1}),
			"aws_ami.read": entry("aws_ami.read", "data", ["read"], null, {"v": 1}),
		},
		"resource_drift": {
			"aws_instance.upd": entry("aws_instance.upd", "managed", ["update"], {"v": 2}, {"v": 9}),
			"aws_instance.gone": entry("aws_instance.gone", "managed", ["delete"], {"v": 1}, null),
		},
	}
	subjects := tfplan.subjects with input as inp
	{[s.address, s.origin, s.values.v] | some s in subjects} == {
		["aws_instance.new", "planned", 1],
		["aws_instance.upd", "planned", 2],
		["aws_instance.rep", "planned", 3],
		["aws_instance.upd", "drift", 9],
	}
}

test_origin_note if {
	tfplan.origin_note({"origin": "planned"}) == ""
	tfplan.origin_note({"origin": "drift"}) == " (drift: the real resource was changed outside terraform)"
}
