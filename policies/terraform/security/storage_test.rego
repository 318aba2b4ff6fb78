package terraform.security.storage_test

import data.terraform.security.storage

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
	"context": {"event": "pull_request", "root": "infra/storage", "target": "default", "workspace": ""},
}

created(addr, after) := plan([rc(addr, ["create"], null, after)], [])

# all denies and warnings of the package, as [rule, resource, severity, msg]
findings(inp) := {[rule, d.resource, d.severity, d.msg] |
	some rule in rules
	denies := storage[rule] with input as inp
	some d in denies
}

rules := [
	"deny_public_s3_acl", "warn_s3_public_access_block", "deny_public_gcs_iam",
	"warn_gcs_public_access_prevention", "deny_public_azure_storage_account", "deny_public_azure_container",
]

test_rules_list_is_complete if {
	# every deny_/warn_ rule of the package is covered by findings()
	names := {name | some name, _ in storage; regex.match(`^(deny|warn)_`, name)}
	names == {r | some r in rules}
}

# ---- AWS ----

test_private_bucket_acl_passes if {
	inp := plan(
		[
			rc("aws_s3_bucket_acl.logs", ["create"], null, {"bucket": "logs", "acl": "private", "access_control_policy": []}),
			rc("aws_s3_bucket_acl.delivery", ["create"], null, {"bucket": "logs", "acl": "log-delivery-write", "access_control_policy": []}),
			rc("aws_s3_bucket.logs", ["create"], null, {"bucket": "logs", "acl": null, "force_destroy": false}),
		],
		[],
	)
	count(findings(inp)) == 0
}

test_public_bucket_acl_denied if {
	inp := plan(
		[
			rc("aws_s3_bucket_acl.site", ["create"], null, {"bucket": "site", "acl": "public-read"}),
			rc("aws_s3_bucket_acl.dropbox", ["update"], {"bucket": "dropbox", "acl": "private"}, {"bucket": "dropbox", "acl": "public-read-write"}),
			rc("aws_s3_bucket_acl.partners", ["create"], null, {"bucket": "partners", "acl": "authenticated-read"}),
		],
		[],
	)
	findings(inp) == {
		["deny_public_s3_acl", "aws_s3_bucket_acl.site", "high", "aws_s3_bucket_acl.site: acl \"public-read\" makes the bucket public"],
		["deny_public_s3_acl", "aws_s3_bucket_acl.dropbox", "critical", "aws_s3_bucket_acl.dropbox: acl \"public-read-write\" makes the bucket public"],
		["deny_public_s3_acl", "aws_s3_bucket_acl.partners", "high", "aws_s3_bucket_acl.partners: acl \"authenticated-read\" makes the bucket public"],
	}
}

test_legacy_bucket_acl_attribute_denied if {
	inp := created("aws_s3_bucket.legacy", {"bucket": "legacy", "acl": "public-read", "versioning": [{"enabled": true, "mfa_delete": false}]})
	findings(inp) == {["deny_public_s3_acl", "aws_s3_bucket.legacy", "high", "aws_s3_bucket.legacy: acl \"public-read\" makes the bucket public"]}
}

test_acl_grant_to_all_users_denied if {
	acp := [{
		"owner": [{"id": "c0ffee", "display_name": "owner"}],
		"grant": [
			{"permission": "FULL_CONTROL", "grantee": [{"type": "CanonicalUser", "id": "c0ffee", "uri": null, "email_address": null}]},
			{"permission": "READ", "grantee": [{"type": "Group", "id": null, "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "email_address": null}]},
			{"permission": "WRITE", "grantee": [{"type": "Group", "id": null, "uri": "http://acs.amazonaws.com/groups/s3/LogDelivery", "email_address": null}]},
		],
	}]
	inp := created("aws_s3_bucket_acl.grants", {"bucket": "grants", "acl": null, "access_control_policy": acp})
	findings(inp) == {["deny_public_s3_acl", "aws_s3_bucket_acl.grants", "high", "aws_s3_bucket_acl.grants: access_control_policy grants READ to AllUsers"]}
}

pab(acls, policy, ignore, restrict) := {
	"bucket": "data",
	"block_public_acls": acls,
	"block_public_policy": policy,
	"ignore_public_acls": ignore,
	"restrict_public_buckets": restrict,
}

test_public_access_block_fully_on_passes if {
	count(findings(created("aws_s3_bucket_public_access_block.data", pab(true, true, true, true)))) == 0
}

test_public_access_block_partly_off_warns if {
	inp := created("aws_s3_bucket_public_access_block.data", pab(true, false, true, false))
	findings(inp) == {[
		"warn_s3_public_access_block", "aws_s3_bucket_public_access_block.data", "medium",
		"aws_s3_bucket_public_access_block.data: public access is not fully blocked (block_public_policy, restrict_public_buckets false)",
	]}
}

# ---- Google Cloud ----

test_gcs_iam_member_all_users_denied if {
	inp := created("google_storage_bucket_iam_member.public", {"bucket": "b/assets", "role": "roles/storage.objectViewer", "member": "allUsers", "condition": []})
	findings(inp) == {["deny_public_gcs_iam", "google_storage_bucket_iam_member.public", "high", "google_storage_bucket_iam_member.public: grants roles/storage.objectViewer to allUsers"]}
}

test_gcs_iam_binding_all_authenticated_denied if {
	inp := created("google_storage_bucket_iam_binding.readers", {"bucket": "b/assets", "role": "roles/storage.objectViewer", "members": ["group:eng@example.com", "allAuthenticatedUsers"]})
	findings(inp) == {["deny_public_gcs_iam", "google_storage_bucket_iam_binding.readers", "high", "google_storage_bucket_iam_binding.readers: grants roles/storage.objectViewer to allAuthenticatedUsers"]}
}

test_gcs_iam_private_members_pass if {
	inp := plan(
		[
			rc("google_storage_bucket_iam_member.ci", ["create"], null, {"bucket": "b/assets", "role": "roles/storage.objectAdmin", "member": "serviceAccount:ci@proj.iam.gserviceaccount.com"}),
			rc("google_storage_bucket_iam_binding.eng", ["create"], null, {"bucket": "b/assets", "role": "roles/storage.objectViewer", "members": ["group:eng@example.com"]}),
		],
		[],
	)
	count(findings(inp)) == 0
}

gcs_bucket(pap) := {"name": "assets", "location": "EU", "uniform_bucket_level_access": true, "public_access_prevention": pap, "force_destroy": false}

test_gcs_public_access_prevention_inherited_warns_low if {
	inp := created("google_storage_bucket.assets", gcs_bucket("inherited"))
	findings(inp) == {[
		"warn_gcs_public_access_prevention", "google_storage_bucket.assets", "low",
		"google_storage_bucket.assets: public_access_prevention is \"inherited\"; set it to \"enforced\" unless the bucket must be public",
	]}
}

test_gcs_public_access_prevention_enforced_passes if {
	count(findings(created("google_storage_bucket.assets", gcs_bucket("enforced")))) == 0
	count(findings(created("google_storage_bucket.assets", gcs_bucket(null)))) == 0 # unknown until apply
}

# ---- Azure ----

storage_account(nested) := {
	"name": "stappprod",
	"resource_group_name": "rg-app",
	"account_tier": "Standard",
	"account_replication_type": "GRS",
	"min_tls_version": "TLS1_2",
	"allow_nested_items_to_be_public": nested,
	"primary_access_key": null,
}

test_storage_account_nested_public_denied if {
	inp := created("azurerm_storage_account.app", storage_account(true))
	findings(inp) == {[
		"deny_public_azure_storage_account", "azurerm_storage_account.app", "high",
		"azurerm_storage_account.app: allow_nested_items_to_be_public is true: containers can be made public",
	]}
}

test_storage_account_legacy_attribute_denied if {
	after := object.union(object.remove(storage_account(null), ["allow_nested_items_to_be_public"]), {"allow_blob_public_access": true})
	inp := created("azurerm_storage_account.old", after)
	{f[1] | some f in findings(inp)} == {"azurerm_storage_account.old"}
}

test_storage_account_private_passes if {
	count(findings(created("azurerm_storage_account.app", storage_account(false)))) == 0
}

test_storage_container_access_types if {
	inp := plan(
		[
			rc("azurerm_storage_container.private", ["create"], null, {"name": "private", "storage_account_name": "st", "container_access_type": "private"}),
			rc("azurerm_storage_container.blob", ["create"], null, {"name": "blob", "storage_account_name": "st", "container_access_type": "blob"}),
			rc("azurerm_storage_container.list", ["create"], null, {"name": "list", "storage_account_name": "st", "container_access_type": "container"}),
		],
		[],
	)
	findings(inp) == {
		["deny_public_azure_container", "azurerm_storage_container.blob", "high", "azurerm_storage_container.blob: container_access_type \"blob\" allows anonymous reads"],
		["deny_public_azure_container", "azurerm_storage_container.list", "high", "azurerm_storage_container.list: container_access_type \"container\" allows anonymous reads"],
	}
}

# ---- plan shapes ----

test_deleted_and_noop_resources_pass if {
	public := {"bucket": "site", "acl": "public-read"}
	inp := plan(
		[
			rc("aws_s3_bucket_acl.old", ["delete"], public, null),
			rc("aws_s3_bucket_acl.same", ["no-op"], public, public),
			rc("google_storage_bucket_iam_member.gone", ["delete"], {"member": "allUsers", "role": "roles/storage.objectViewer"}, null),
		],
		[],
	)
	count(findings(inp)) == 0
}

test_drift_made_public_denied if {
	# The code keeps the container private; someone flipped it in the portal.
	private := {"name": "reports", "storage_account_name": "st", "container_access_type": "private"}
	public := object.union(private, {"container_access_type": "container"})
	inp := plan(
		[rc("azurerm_storage_container.reports", ["update"], public, private)],
		[rc("azurerm_storage_container.reports", ["update"], private, public)],
	)
	findings(inp) == {[
		"deny_public_azure_container", "azurerm_storage_container.reports", "high",
		"azurerm_storage_container.reports: container_access_type \"container\" allows anonymous reads (drift: the real resource was changed outside terraform)",
	]}
}

test_drift_public_access_block_disabled_warns if {
	inp := plan([], [rc("aws_s3_bucket_public_access_block.data", ["update"], pab(true, true, true, true), pab(false, false, false, false))])
	some f in findings(inp)
	f[0] == "warn_s3_public_access_block"
	endswith(f[3], "(drift: the real resource was changed outside terraform)")
}

test_drift_made_private_passes if {
	inp := plan([], [rc("aws_s3_bucket_acl.site", ["update"], {"bucket": "site", "acl": "public-read"}, {"bucket": "site", "acl": "private"})])
	count(findings(inp)) == 0
}
