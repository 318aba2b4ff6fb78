package drift_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/myorg/drift-action/internal/drift"
)

// Fixture conventions: every value terraform marks sensitive contains
// "SECRET-TF-", every value only a user mask path hides contains
// "SECRET-PATH-", and every value only a user mask regex hides contains
// "SECRET-RE-". No other string in a fixture contains "SECRET-".
const (
	canaryTF  = "SECRET-TF-"
	canaryAny = "SECRET-"
)

// maskOptions are the user masks that cover every SECRET-PATH- and SECRET-RE-
// value in the fixtures.
func maskOptions() drift.Options {
	return drift.Options{
		MaskPaths:  []string{"environment[*].variables.API_TOKEN", "**.password"},
		MaskValues: []*regexp.Regexp{regexp.MustCompile(`SECRET-RE-[0-9a-z]+`)},
	}
}

func loadPlan(t testing.TB, name string) *tfjson.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plans", name))
	if err != nil {
		t.Fatal(err)
	}
	return parsePlan(t, string(b))
}

func parsePlan(t testing.TB, s string) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("plan does not parse: %v", err)
	}
	return &p
}

// verdict is the classification as the verdict's builder hands it on:
// redacted with the plan's secrets and the masks.
func verdict(p *tfjson.Plan, o drift.Options) drift.Result {
	r := drift.Classify(p, o)
	drift.NewRedactor(drift.Secrets(p, o), o.MaskValues).Result(&r)
	return r
}

func attr(path string, before, after any) drift.Attribute {
	return drift.Attribute{Path: path, Before: before, After: after}
}

func secret(path string) drift.Attribute {
	return drift.Attribute{Path: path, Before: drift.Sensitive, After: drift.Sensitive, Sensitive: true}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	const lambdaType = "aws_lambda_function"
	tests := []struct {
		name string
		plan string // fixture under testdata/plans; "" means a nil plan
		json string // inline plan, used when plan is ""
		opts drift.Options
		want drift.Result
	}{
		{
			name: "nil plan",
			want: drift.Result{},
		},
		{
			name: "clean: every resource and output is a no-op",
			plan: "clean.json",
			want: drift.Result{Status: drift.StatusClean},
		},
		{
			name: "deleted out of band: drift delete and change create",
			plan: "deleted.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"delete"},
					Attributes: []drift.Attribute{
						attr("ami", "ami-0c55b159cbfafe1f0", nil),
						attr("id", "i-0a1b2c3d4e5f60718", nil),
						attr("instance_type", "t3.micro", nil),
						attr("root_block_device[0].encrypted", true, nil),
						attr("root_block_device[0].volume_size", float64(8), nil),
						attr("tags.Name", "web", nil),
					},
				}},
				Changes: []drift.Resource{{Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"create"}, Cause: drift.CauseDrift}},
				Outputs: []string{"instance_id"},
			},
		},
		{
			name: "in-place attribute drift and the update that reverts it",
			plan: "inplace.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("instance_type", "t3.micro", "t3.large"),
						attr("monitoring", false, true),
					},
				}},
				Changes: []drift.Resource{{
					Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"}, Cause: drift.CauseDrift,
					Attributes: []drift.Attribute{
						attr("instance_type", "t3.large", "t3.micro"),
						attr("monitoring", true, false),
					},
				}},
			},
		},
		{
			name: "nested drift: list block index, map key and a key that needs quoting",
			plan: "nested.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{
					{
						Address: "vsphere_virtual_machine.db", Type: "vsphere_virtual_machine", Actions: []string{"update"},
						Attributes: []drift.Attribute{attr("disk[0].size", float64(40), float64(60))},
					},
					{
						Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"update"},
						Attributes: []drift.Attribute{
							attr("tags.env", "staging", "prod"),
							attr("tags.owner", nil, "sre"),
							attr("tags_all.env", "staging", "prod"),
							attr("tags_all.owner", nil, "sre"),
						},
					},
					{
						Address: `module.apps.kubernetes_namespace.app["billing"]`, Type: "kubernetes_namespace", Actions: []string{"update"},
						Attributes: []drift.Attribute{attr(`metadata[0].labels["app.kubernetes.io/name"]`, "billing", "billing-v2")},
					},
				},
			},
		},
		{
			name: "sensitive attribute, sensitive nested block and whole-object sensitive",
			plan: "sensitive.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{
					{
						Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"},
						Attributes: []drift.Attribute{
							attr("allocated_storage", float64(20), float64(50)),
							secret("password"),
						},
					},
					{
						Address: "aws_lambda_function.api", Type: lambdaType, Actions: []string{"update"},
						Attributes: []drift.Attribute{
							secret("environment[0].variables"),
							attr("memory_size", float64(128), float64(256)),
						},
					},
					{
						Address: "aws_ssm_parameter.token", Type: "aws_ssm_parameter", Actions: []string{"update"},
						Attributes: []drift.Attribute{secret("")},
					},
				},
				Changes: []drift.Resource{
					{
						// The password goes to a new value from the configuration,
						// not back to the one it had before drift.
						Address: "aws_db_instance.main", Type: "aws_db_instance", Actions: []string{"update"}, Cause: drift.CauseDriftAndCode,
						Attributes: []drift.Attribute{
							attr("allocated_storage", float64(50), float64(20)),
							secret("password"),
						},
					},
					{
						Address: "aws_ssm_parameter.token", Type: "aws_ssm_parameter", Actions: []string{"update"}, Cause: drift.CauseDrift,
						Attributes: []drift.Attribute{secret("")},
					},
				},
				Outputs: []string{"db_password"},
			},
		},
		{
			name: "whole object sensitive on the before side only",
			json: `{"format_version":"1.2","terraform_version":"1.11.4","resource_drift":[
				{"address":"aws_iam_access_key.ci","mode":"managed","type":"aws_iam_access_key","name":"ci",
				 "provider_name":"registry.terraform.io/hashicorp/aws",
				 "change":{"actions":["update"],
				  "before":{"id":"AKIAEXAMPLE","secret":"SECRET-TF-ak-1","status":"Active"},
				  "after":{"id":"AKIAEXAMPLE","secret":"SECRET-TF-ak-1","status":"Inactive"},
				  "after_unknown":{},"before_sensitive":true,"after_sensitive":{"secret":true}}}]}`,
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_iam_access_key.ci", Type: "aws_iam_access_key", Actions: []string{"update"},
					Attributes: []drift.Attribute{secret("")},
				}},
			},
		},
		{
			name: "user masks by path glob and by value regex",
			plan: "masks.json",
			opts: maskOptions(),
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_lambda_function.worker", Type: lambdaType, Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("description", "worker", "worker (edited in console)"),
						secret("environment[0].variables.API_TOKEN"),
						secret("environment[0].variables.DATABASE_URL"),
						attr("environment[0].variables.LOG_LEVEL", "info", "debug"),
					},
				}},
			},
		},
		{
			// A masked value that is a map key is hidden in the path, in
			// drift, changes, replace paths and ignored attributes alike;
			// ignore rules still match the key as terraform wrote it.
			name: "user mask values hidden in map keys of paths",
			plan: "mask_keys.json",
			opts: func() drift.Options {
				o := maskOptions()
				o.Ignore = []drift.IgnoreRule{{Paths: []string{"noise.SECRET-RE-n1"}}}
				return o
			}(),
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "terraform_data.cfg", Type: "terraform_data", Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr(`input["(sensitive)"]`, "v1", "v2"),
						attr(`input["(sensitive)"]`, nil, "added"),
						attr(`tags["owner-(sensitive)"]`, "a", "b"),
					},
				}},
				Ignored: []drift.Ignored{{Address: "terraform_data.cfg", Path: `noise["(sensitive)"]`}},
				Changes: []drift.Resource{{
					Address: "terraform_data.cfg", Type: "terraform_data", Actions: []string{"delete", "create"}, Cause: drift.CauseDrift,
					ActionReason: "replace_because_cannot_update", ReplacePaths: []string{`input["(sensitive)"]`},
					Attributes: []drift.Attribute{
						attr(`input["(sensitive)"]`, "v2", "v1"),
						attr(`input["(sensitive)"]`, "added", nil),
						attr(`noise["(sensitive)"]`, "y", "x"),
						attr(`tags["owner-(sensitive)"]`, "b", "a"),
					},
				}},
			},
		},
		{
			name: "user mask path with ** reaches any depth",
			plan: "masks.json",
			opts: drift.Options{MaskPaths: []string{"**.API_TOKEN", "**.DATABASE_URL"}},
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_lambda_function.worker", Type: lambdaType, Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("description", "worker", "worker (edited in console)"),
						secret("environment[0].variables.API_TOKEN"),
						secret("environment[0].variables.DATABASE_URL"),
						attr("environment[0].variables.LOG_LEVEL", "info", "debug"),
					},
				}},
			},
		},
		{
			name: "user mask path on a block hides the whole block as one attribute",
			plan: "masks.json",
			opts: drift.Options{MaskPaths: []string{"environment"}},
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_lambda_function.worker", Type: lambdaType, Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("description", "worker", "worker (edited in console)"),
						secret("environment"),
					},
				}},
			},
		},
		{
			name: "without user masks the values terraform does not mark are shown",
			plan: "masks.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_lambda_function.worker", Type: lambdaType, Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("description", "worker", "worker (edited in console)"),
						attr("environment[0].variables.API_TOKEN", "SECRET-PATH-0001", "SECRET-PATH-0002"),
						attr("environment[0].variables.DATABASE_URL", "postgres://app:SECRET-RE-dbpw1@db:5432/app", "postgres://app:SECRET-RE-dbpw2@db:5432/app"),
						attr("environment[0].variables.LOG_LEVEL", "info", "debug"),
					},
				}},
			},
		},
		{
			name: "output-only change is not drift and not a pending change",
			plan: "output_only.json",
			want: drift.Result{Status: drift.StatusClean, Outputs: []string{"endpoint", "url"}},
		},
		{
			name: "data source reads are neither drift nor change",
			plan: "data_source.json",
			want: drift.Result{Status: drift.StatusClean},
		},
		{
			name: "read action on a managed-mode entry is not a change",
			json: `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[
				{"address":"aws_instance.web","mode":"managed","type":"aws_instance","name":"web",
				 "provider_name":"registry.terraform.io/hashicorp/aws",
				 "change":{"actions":["read"],"before":null,"after":{"id":"i-1"},"after_unknown":{},
				  "before_sensitive":false,"after_sensitive":{}}}]}`,
			want: drift.Result{Status: drift.StatusClean},
		},
		{
			name: "pending code change without drift, unknown values shown as known after apply",
			plan: "pending_change.json",
			want: drift.Result{
				Status: drift.StatusChanged,
				Changes: []drift.Resource{
					{
						Address: "aws_lambda_function.api", Type: lambdaType, Actions: []string{"update"}, Cause: drift.CauseCode,
						Attributes: []drift.Attribute{
							attr("last_modified", "2026-10-01T08:00:00.000+0000", drift.Unknown),
							attr("qualified_arn", "arn:aws:lambda:eu-west-1:111111111111:function:api:7", drift.Unknown),
							attr("runtime", "python3.12", "python3.13"),
							attr("source_code_hash", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
							attr("version", "7", drift.Unknown),
						},
					},
					{Address: "aws_s3_bucket.assets", Type: "aws_s3_bucket", Actions: []string{"create"}, Cause: drift.CauseCode},
				},
				Outputs: []string{"function_version"},
			},
		},
		{
			name: "drift plus code change",
			plan: "drift_and_change.json",
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_security_group.web", Type: "aws_security_group", Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("ingress[0].cidr_blocks[0]", "10.0.0.0/8", "0.0.0.0/0"),
						attr("ingress[1].cidr_blocks[0]", nil, "0.0.0.0/0"),
						attr("ingress[1].description", nil, "debug ssh"),
						attr("ingress[1].from_port", nil, float64(22)),
						attr("ingress[1].protocol", nil, "tcp"),
						attr("ingress[1].to_port", nil, float64(22)),
					},
				}},
				Changes: []drift.Resource{
					{
						Address: "aws_security_group.web", Type: "aws_security_group", Actions: []string{"update"}, Cause: drift.CauseDrift,
						Attributes: []drift.Attribute{
							attr("ingress[0].cidr_blocks[0]", "0.0.0.0/0", "10.0.0.0/8"),
							attr("ingress[1].cidr_blocks[0]", "0.0.0.0/0", nil),
							attr("ingress[1].description", "debug ssh", nil),
							attr("ingress[1].from_port", float64(22), nil),
							attr("ingress[1].protocol", "tcp", nil),
							attr("ingress[1].to_port", float64(22), nil),
						},
					},
					{Address: "aws_instance.worker[0]", Type: "aws_instance", Actions: []string{"create"}, Cause: drift.CauseCode},
				},
			},
		},
		{
			name: "ignored attributes were the only drift: clean, and listed",
			plan: "ignored.json",
			opts: drift.Options{Ignore: []drift.IgnoreRule{
				{Type: "aws_s3_*", Paths: []string{"*.last_modified"}},
				{Paths: []string{"tags_all"}},
			}},
			want: drift.Result{
				Status: drift.StatusClean,
				Ignored: []drift.Ignored{
					{Address: "aws_s3_bucket.site", Path: "tags_all.Name"},
					{Address: "aws_s3_bucket.site", Path: "tags_all.Owner"},
					{Address: "aws_s3_object.index", Path: "metadata.last_modified"},
				},
			},
		},
		{
			name: "ignore rule drops some attributes, the rest is still drift",
			plan: "ignored.json",
			opts: drift.Options{Ignore: []drift.IgnoreRule{{Type: "aws_*", Paths: []string{"tags_all"}}}},
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_s3_object.index", Type: "aws_s3_object", Actions: []string{"update"},
					Attributes: []drift.Attribute{attr("metadata.last_modified", "2026-11-20T10:00:00Z", "2026-11-23T17:45:12Z")},
				}},
				Ignored: []drift.Ignored{
					{Address: "aws_s3_bucket.site", Path: "tags_all.Name"},
					{Address: "aws_s3_bucket.site", Path: "tags_all.Owner"},
				},
			},
		},
		{
			name: "ignore rule for another resource type ignores nothing",
			plan: "ignored.json",
			opts: drift.Options{Ignore: []drift.IgnoreRule{{Type: "google_*", Paths: []string{"tags_all", "*.last_modified"}}}},
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{
					{
						Address: "aws_s3_bucket.site", Type: "aws_s3_bucket", Actions: []string{"update"},
						Attributes: []drift.Attribute{
							attr("tags_all.Name", "site", "site-renamed"),
							attr("tags_all.Owner", nil, "finops"),
						},
					},
					{
						Address: "aws_s3_object.index", Type: "aws_s3_object", Actions: []string{"update"},
						Attributes: []drift.Attribute{attr("metadata.last_modified", "2026-11-20T10:00:00Z", "2026-11-23T17:45:12Z")},
					},
				},
			},
		},
		{
			name: "ignore rule on tags does not cover tags_all",
			plan: "ignored.json",
			opts: drift.Options{Ignore: []drift.IgnoreRule{{Paths: []string{"tags", "metadata"}}}},
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{
					Address: "aws_s3_bucket.site", Type: "aws_s3_bucket", Actions: []string{"update"},
					Attributes: []drift.Attribute{
						attr("tags_all.Name", "site", "site-renamed"),
						attr("tags_all.Owner", nil, "finops"),
					},
				}},
				Ignored: []drift.Ignored{{Address: "aws_s3_object.index", Path: "metadata.last_modified"}},
			},
		},
		{
			name: "replace actions are kept in order, with what forces them and their attributes",
			plan: "replace.json",
			want: drift.Result{
				Status: drift.StatusChanged,
				Changes: []drift.Resource{
					{
						Address: "aws_instance.web", Type: "aws_instance", Actions: []string{"delete", "create"}, Cause: drift.CauseCode,
						ActionReason: "replace_because_cannot_update", ReplacePaths: []string{"ami"},
						Attributes: []drift.Attribute{
							attr("ami", "ami-0c55b159cbfafe1f0", "ami-0f9a8b7c6d5e4f321"),
							attr("id", "i-0a1b2c3d4e5f60718", drift.Unknown),
						},
					},
					{
						Address: "aws_launch_template.app", Type: "aws_launch_template", Actions: []string{"create", "delete"}, Cause: drift.CauseCode,
						ActionReason: "replace_by_triggers", ReplacePaths: []string{"name_prefix"},
						Attributes: []drift.Attribute{
							attr("id", "lt-0abc", drift.Unknown),
							attr("image_id", "ami-0c55b159cbfafe1f0", "ami-0f9a8b7c6d5e4f321"),
						},
					},
				},
			},
		},
		{
			name: "a pending move without other change is a change of its own",
			json: `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[
				{"address":"terraform_data.new","previous_address":"terraform_data.old","mode":"managed","type":"terraform_data","name":"new",
				 "provider_name":"terraform.io/builtin/terraform",
				 "change":{"actions":["no-op"],"before":{"id":"x"},"after":{"id":"x"},"after_unknown":{},
				  "before_sensitive":{},"after_sensitive":{}}}]}`,
			want: drift.Result{
				Status: drift.StatusChanged,
				Changes: []drift.Resource{{
					Address: "terraform_data.new", Type: "terraform_data", Actions: []string{"no-op"},
					Cause: drift.CauseCode, PreviousAddress: "terraform_data.old",
				}},
			},
		},
		{
			name: "a pending import is code, its ID masked like any value",
			opts: maskOptions(),
			json: `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[
				{"address":"aws_iam_user.ci","mode":"managed","type":"aws_iam_user","name":"ci",
				 "provider_name":"registry.terraform.io/hashicorp/aws",
				 "change":{"actions":["no-op"],"before":{"id":"ci"},"after":{"id":"ci"},"after_unknown":{},
				  "before_sensitive":{},"after_sensitive":{},"importing":{"id":"ci-SECRET-RE-imp0rt"}}}]}`,
			want: drift.Result{
				Status: drift.StatusChanged,
				Changes: []drift.Resource{{
					Address: "aws_iam_user.ci", Type: "aws_iam_user", Actions: []string{"no-op"},
					Cause: drift.CauseCode, Importing: true, ImportID: "ci-" + drift.Sensitive,
				}},
			},
		},
		{
			name: "checks that did not pass, per instance, with their problems",
			opts: maskOptions(),
			json: `{"format_version":"1.2","terraform_version":"1.11.4","checks":[
				{"address":{"kind":"check","name":"health","to_display":"check.health"},"status":"fail",
				 "instances":[{"address":{"to_display":"check.health"},"status":"fail",
				  "problems":[{"message":"health endpoint token SECRET-RE-tok3n rejected"}]}]},
				{"address":{"kind":"resource","mode":"managed","type":"terraform_data","name":"ok","to_display":"terraform_data.ok"},"status":"pass",
				 "instances":[{"address":{"to_display":"terraform_data.ok"},"status":"pass"}]},
				{"address":{"kind":"output_value","name":"url","to_display":"output.url"},"status":"unknown"},
				{"address":{"kind":"resource","mode":"managed","type":"terraform_data","name":"n","to_display":"terraform_data.n"},"status":"error",
				 "instances":[
				  {"address":{"to_display":"terraform_data.n[0]","instance_key":0},"status":"pass"},
				  {"address":{"to_display":"terraform_data.n[1]","instance_key":1},"status":"error","problems":[{"message":"postcondition: bad"}]}]}]}`,
			want: drift.Result{
				Status: drift.StatusClean,
				Checks: []drift.Check{
					{Address: "check.health", Kind: "check", Status: "fail", Problems: []string{"health endpoint token " + drift.Sensitive + " rejected"}},
					{Address: "output.url", Kind: "output_value", Status: "unknown"},
					{Address: "terraform_data.n[1]", Kind: "resource", Status: "error", Problems: []string{"postcondition: bad"}},
				},
			},
		},
		{
			name: "drift and code on one attribute each of one resource",
			json: `{"format_version":"1.2","terraform_version":"1.11.4",
			 "resource_drift":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["update"],"before":{"size":"small","tags":{"env":"prod"}},"after":{"size":"xlarge","tags":{"env":"prod"}}}}],
			 "resource_changes":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["update"],"before":{"size":"xlarge","tags":{"env":"prod"}},"after":{"size":"small","tags":{"env":"staging"}},"after_unknown":{}}}]}`,
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"update"},
					Attributes: []drift.Attribute{attr("size", "small", "xlarge")}}},
				Changes: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"update"}, Cause: drift.CauseDriftAndCode,
					Attributes: []drift.Attribute{attr("size", "xlarge", "small"), attr("tags.env", "prod", "staging")}}},
			},
		},
		{
			name: "drift on a resource whose change goes elsewhere is code",
			json: `{"format_version":"1.2","terraform_version":"1.11.4",
			 "resource_drift":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["update"],"before":{"size":"small"},"after":{"size":"xlarge"}}}],
			 "resource_changes":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["update"],"before":{"size":"xlarge"},"after":{"size":"medium"},"after_unknown":{}}}]}`,
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"update"},
					Attributes: []drift.Attribute{attr("size", "small", "xlarge")}}},
				Changes: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"update"}, Cause: drift.CauseCode,
					Attributes: []drift.Attribute{attr("size", "xlarge", "medium")}}},
			},
		},
		{
			name: "re-create after deletion outside terraform with a new value is drift+code",
			json: `{"format_version":"1.2","terraform_version":"1.11.4",
			 "resource_drift":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["delete"],"before":{"id":"1","size":"small"},"after":null}}],
			 "resource_changes":[{"address":"x_vm.a","mode":"managed","type":"x_vm","name":"a",
			  "change":{"actions":["create"],"before":null,"after":{"size":"large"},"after_unknown":{"id":true}}}]}`,
			want: drift.Result{
				Status: drift.StatusDrifted,
				Drift: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"delete"},
					Attributes: []drift.Attribute{attr("id", "1", nil), attr("size", "small", nil)}}},
				Changes: []drift.Resource{{Address: "x_vm.a", Type: "x_vm", Actions: []string{"create"}, Cause: drift.CauseDriftAndCode}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p *tfjson.Plan
			switch {
			case tt.plan != "":
				p = loadPlan(t, tt.plan)
			case tt.json != "":
				p = parsePlan(t, tt.json)
			}
			got := verdict(p, tt.opts)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify() mismatch (-want +got):\n%s", diff)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			if strings.Contains(string(b), canaryTF) {
				t.Errorf("a value terraform marks sensitive leaked into the result:\n%s", b)
			}
			if len(tt.opts.MaskPaths)+len(tt.opts.MaskValues) > 0 && strings.Contains(string(b), canaryAny) {
				t.Errorf("a masked value leaked into the result:\n%s", b)
			}
		})
	}
}

// TestClassifyNeverLeaksSecrets runs every fixture with and without user masks
// and checks the whole marshalled result for canary values.
func TestClassifyNeverLeaksSecrets(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "plans", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		for _, tc := range []struct {
			label  string
			opts   drift.Options
			canary string
		}{
			{"terraform sensitivity only", drift.Options{}, canaryTF},
			{"with user masks", maskOptions(), canaryAny},
		} {
			t.Run(name+"/"+tc.label, func(t *testing.T) {
				t.Parallel()
				got := verdict(loadPlan(t, name), tc.opts)
				b, err := json.Marshal(got)
				if err != nil {
					t.Fatalf("json.Marshal: %v", err)
				}
				if strings.Contains(string(b), tc.canary) {
					t.Errorf("%q leaked into the result:\n%s", tc.canary, b)
				}
			})
		}
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	res := []drift.Resource{{Address: "a.b", Type: "a", Actions: []string{"update"}}}
	tests := []struct {
		name string
		r    drift.Result
		want drift.Status
	}{
		{"empty is clean", drift.Result{}, drift.StatusClean},
		{"outputs and ignored alone are clean", drift.Result{Outputs: []string{"x"}, Ignored: []drift.Ignored{{Address: "a.b", Path: "p"}}}, drift.StatusClean},
		{"changes", drift.Result{Changes: res}, drift.StatusChanged},
		{"drift wins over changes", drift.Result{Drift: res, Changes: res}, drift.StatusDrifted},
		{"error wins over everything", drift.Result{Drift: res, Changes: res, Error: "boom"}, drift.StatusError},
		{"stale status is recomputed", drift.Result{Status: drift.StatusDrifted}, drift.StatusClean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.r
			r.SetStatus()
			if diff := cmp.Diff(tt.want, r.Status); diff != "" {
				t.Errorf("SetStatus() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    drift.Result
		want drift.Counts
	}{
		{"empty", drift.Result{}, drift.Counts{}},
		{
			"drift+code counts on both sides, unknown checks do not fail",
			drift.Result{
				Drift: []drift.Resource{{Address: "a.a"}, {Address: "a.b"}},
				Changes: []drift.Resource{
					{Address: "a.a", Cause: drift.CauseDrift},
					{Address: "a.b", Cause: drift.CauseDriftAndCode},
					{Address: "a.c", Cause: drift.CauseCode},
				},
				Checks: []drift.Check{{Status: drift.CheckFail}, {Status: drift.CheckError}, {Status: drift.CheckUnknown}},
			},
			drift.Counts{Drifted: 2, UndoDrift: 2, Code: 2, FailChecks: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.r.Count()); diff != "" {
				t.Errorf("Count() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyCheckLevel(t *testing.T) {
	t.Parallel()
	failing := []drift.Check{
		{Address: "check.health", Kind: "check", Status: drift.CheckFail, Problems: []string{"down"}},
		{Address: "output.url", Kind: "output_value", Status: drift.CheckUnknown},
	}
	unknownOnly := []drift.Check{{Address: "output.url", Kind: "output_value", Status: drift.CheckUnknown}}
	tests := []struct {
		name  string
		level drift.CheckLevel
		in    drift.Result
		want  drift.Result
	}{
		{"warn keeps checks and the verdict", drift.CheckWarn,
			drift.Result{Status: drift.StatusClean, Checks: failing},
			drift.Result{Status: drift.StatusClean, Checks: failing}},
		{"the zero level is warn", "",
			drift.Result{Status: drift.StatusClean, Checks: failing},
			drift.Result{Status: drift.StatusClean, Checks: failing}},
		{"ignore drops checks", drift.CheckIgnore,
			drift.Result{Status: drift.StatusClean, Checks: failing},
			drift.Result{Status: drift.StatusClean}},
		{"error puts the target in error naming the check", drift.CheckErrors,
			drift.Result{Status: drift.StatusClean, Checks: failing},
			drift.Result{Status: drift.StatusError, Checks: failing, Error: "1 check(s) failed and drift.yaml sets checks: error:\ncheck.health fail: down"}},
		{"error ignores checks whose outcome is unknown", drift.CheckErrors,
			drift.Result{Status: drift.StatusClean, Checks: unknownOnly},
			drift.Result{Status: drift.StatusClean, Checks: unknownOnly}},
		{"error keeps terraform's own error", drift.CheckErrors,
			drift.Result{Status: drift.StatusError, Error: "plan: boom", Checks: failing},
			drift.Result{Status: drift.StatusError, Error: "plan: boom", Checks: failing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.in
			got.ApplyCheckLevel(tt.level)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ApplyCheckLevel() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailKeepsFindings(t *testing.T) {
	t.Parallel()
	r := drift.Classify(loadPlan(t, "inplace.json"), drift.Options{})
	r.Fail("terraform plan: exit status 1")
	want := drift.StatusError
	if diff := cmp.Diff(want, r.Status); diff != "" {
		t.Errorf("Status mismatch (-want +got):\n%s", diff)
	}
	if len(r.Drift) != 1 || len(r.Changes) != 1 {
		t.Errorf("Fail dropped findings: %d drift, %d changes", len(r.Drift), len(r.Changes))
	}
	r.SetStatus()
	if diff := cmp.Diff(want, r.Status); diff != "" {
		t.Errorf("SetStatus after Fail mismatch (-want +got):\n%s", diff)
	}
}
