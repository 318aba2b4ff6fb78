# Sourced by the benchmarks that plan fakecloud roots (budget.sh,
# targets.sh): fakecloud_mirror WORK REPO builds testdata/fakecloud into a
# filesystem mirror under WORK, writes WORK/terraform.rc naming it (and a
# plugin cache under WORK) and exports TF_CLI_CONFIG_FILE, so terraform
# installs the provider offline.
fakecloud_mirror() {
	local work=$1 repo=$2 plat
	plat=$(go env GOOS)_$(go env GOARCH)
	mkdir -p "$work/mirror/registry.terraform.io/myorg/fakecloud/0.1.0/$plat"
	(cd "$repo/testdata/fakecloud" && go build -o "$work/mirror/registry.terraform.io/myorg/fakecloud/0.1.0/$plat/terraform-provider-fakecloud_v0.1.0" .)
	cat >"$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/myorg/fakecloud"]
  }
  direct {
    exclude = ["registry.terraform.io/myorg/fakecloud"]
  }
}
plugin_cache_dir = "$work/plugin-cache"
RC
	mkdir -p "$work/plugin-cache"
	export TF_CLI_CONFIG_FILE=$work/terraform.rc
}
