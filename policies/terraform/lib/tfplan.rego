# Helpers shared by the bundled policies. Not a policy itself: it has no
# deny, warn or exception rules, so it is never evaluated on its own.
#
# Your own policies may import it too (`import data.terraform.lib.tfplan`)
# when they are loaded together with the bundled ones (--policy DIR --bundled);
# a policy directory used without the bundled set needs a copy of this file.
package terraform.lib.tfplan

# is_change is true for actions that change a managed resource: anything but
# no-op and read (data sources are read, never changed).
is_change(actions) if {
	count(actions) > 0
	actions != ["no-op"]
	actions != ["read"]
}

# creates_or_updates is true when the planned values (change.after) will be
# written: create, update, or a replacement (delete + create).
creates_or_updates(actions) if "create" in actions

creates_or_updates(actions) if "update" in actions

# kind names a change: create, update, delete, replace (either order), or
# "" for anything else (no-op, read, forget).
kind(actions) := "replace" if {
	"delete" in actions
	"create" in actions
} else := actions[0] if {
	count(actions) == 1
	actions[0] in {"create", "update", "delete"}
} else := ""

# action_label is how messages show a change's actions.
action_label(actions) := "replace" if kind(actions) == "replace"

else := concat(", ", actions)

# subjects are the resource states a security policy judges, one object each:
#   {"address", "type", "values", "origin"}
# origin "planned": a managed resource terraform will create or update; values
#   are its planned attributes (change.after; unknown ones are null).
# origin "drift": a managed resource changed outside terraform; values are its
#   real, current attributes (change.after of its resource_drift entry). Drift
#   that opens a hole is caught even though the code is fine.
subjects contains {"address": addr, "type": rc.type, "values": rc.change.after, "origin": "planned"} if {
	some addr, rc in input.resource_changes
	rc.mode == "managed"
	creates_or_updates(rc.change.actions)
	is_object(rc.change.after)
}

subjects contains {"address": addr, "type": rc.type, "values": rc.change.after, "origin": "drift"} if {
	some addr, rc in input.resource_drift
	rc.mode == "managed"
	is_change(rc.change.actions)
	is_object(rc.change.after)
}

# origin_note is appended to messages about drifted state.
origin_note(subject) := " (drift: the real resource was changed outside terraform)" if subject.origin == "drift"

else := ""

# list reads an attribute as an array: an array as it is, a single value as
# [value], a missing or null attribute as [].
list(obj, key) := v if {
	v := obj[key]
	is_array(v)
} else := [v] if {
	v := obj[key]
	v != null
} else := []

# get reads an attribute, with a default when it is missing or null.
get(obj, key, default_value) := v if {
	v := obj[key]
	v != null
} else := default_value
