# terraform.security.storage: buckets, containers and storage accounts must
# not be readable (or writable) by the public.
#
#   deny_public_s3_acl                 aws_s3_bucket_acl acl, or legacy aws_s3_bucket acl,
#                                      public-read / authenticated-read (high),
#                                      public-read-write (critical); ACL grants to the
#                                      AllUsers / AuthenticatedUsers groups (high)
#   warn_s3_public_access_block        aws_s3_bucket_public_access_block with any of
#                                      block_public_acls, block_public_policy,
#                                      ignore_public_acls, restrict_public_buckets false (medium)
#   deny_public_gcs_iam                google_storage_bucket_iam_member / _binding granting
#                                      allUsers or allAuthenticatedUsers (high)
#   warn_gcs_public_access_prevention  google_storage_bucket public_access_prevention
#                                      "inherited" instead of "enforced" (low)
#   deny_public_azure_storage_account  azurerm_storage_account allow_nested_items_to_be_public
#                                      (or legacy allow_blob_public_access) true (high)
#   deny_public_azure_container        azurerm_storage_container container_access_type
#                                      "blob" or "container" (high)
#
# Judged on what terraform will create or update (change.after) and on drift:
# a bucket made public by hand shows in resource_drift with its real state.
# An intentionally public bucket (a static website) is waived with an
# exception in this package, e.g. from your own policy directory:
#
#     package terraform.security.storage
#     exception contains "public_s3_acl" if input.context.root == "infra/website"
package terraform.security.storage

import data.terraform.lib.tfplan

public_acls := {"public-read": "high", "public-read-write": "critical", "authenticated-read": "high"}

public_groups := {
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}

public_members := {"allUsers", "allAuthenticatedUsers"}

public_access_block_settings := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

# ---- AWS ----

deny_public_s3_acl contains {
	"msg": sprintf("%s: acl %q makes the bucket public%s", [s.address, s.values.acl, tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": public_acls[s.values.acl],
} if {
	some s in tfplan.subjects
	s.type in {"aws_s3_bucket_acl", "aws_s3_bucket"}
	public_acls[s.values.acl]
}

deny_public_s3_acl contains {
	"msg": sprintf("%s: access_control_policy grants %s to %s%s", [s.address, grant.permission, group_name(grantee.uri), tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "high",
} if {
	some s in tfplan.subjects
	s.type == "aws_s3_bucket_acl"
	some policy in tfplan.list(s.values, "access_control_policy")
	some grant in tfplan.list(policy, "grant")
	some grantee in tfplan.list(grant, "grantee")
	grantee.uri in public_groups
}

group_name(uri) := name if {
	parts := split(uri, "/")
	name := parts[count(parts) - 1]
}

warn_s3_public_access_block contains {
	"msg": sprintf("%s: public access is not fully blocked (%s false)%s", [s.address, concat(", ", off), tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "medium",
} if {
	some s in tfplan.subjects
	s.type == "aws_s3_bucket_public_access_block"
	off := [name | some name in public_access_block_settings; s.values[name] == false]
	count(off) > 0
}

# ---- Google Cloud ----

deny_public_gcs_iam contains {
	"msg": sprintf("%s: grants %s to %s%s", [s.address, tfplan.get(s.values, "role", "a role"), member, tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "high",
} if {
	some s in tfplan.subjects
	s.type in {"google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"}
	some member in array.concat(tfplan.list(s.values, "member"), tfplan.list(s.values, "members"))
	member in public_members
}

warn_gcs_public_access_prevention contains {
	"msg": sprintf("%s: public_access_prevention is \"inherited\"; set it to \"enforced\" unless the bucket must be public%s", [s.address, tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "low",
} if {
	some s in tfplan.subjects
	s.type == "google_storage_bucket"
	s.values.public_access_prevention == "inherited"
}

# ---- Azure ----

deny_public_azure_storage_account contains {
	"msg": sprintf("%s: %s is true: containers can be made public%s", [s.address, attr, tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "high",
} if {
	some s in tfplan.subjects
	s.type == "azurerm_storage_account"
	some attr in ["allow_nested_items_to_be_public", "allow_blob_public_access"]
	s.values[attr] == true
}

deny_public_azure_container contains {
	"msg": sprintf("%s: container_access_type %q allows anonymous reads%s", [s.address, s.values.container_access_type, tfplan.origin_note(s)]),
	"resource": s.address,
	"severity": "high",
} if {
	some s in tfplan.subjects
	s.type == "azurerm_storage_container"
	s.values.container_access_type in {"blob", "container"}
}
