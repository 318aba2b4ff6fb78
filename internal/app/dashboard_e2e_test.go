package app

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/dashboard"
	"github.com/myorg/drift-action/internal/github/githubtest"
	"github.com/myorg/drift-action/internal/record"
	"github.com/myorg/drift-action/internal/tftest"
)

var updateScreenshot = flag.Bool("update", false, "rewrite docs/dashboard.png from the dashboard test's screenshot")

// regionRoot is a fakecloud root applied once per region, each region in
// its own workspace.
func regionRoot(name, cloud string) string {
	return tftest.FakeCloudProvider(cloud) + fmt.Sprintf(`
variable "region" { type = string }

resource "fakecloud_instance" "web" {
  name          = "%s-${var.region}"
  instance_type = "small"
  tags          = { env = "prod", team = "platform" }
  password      = "pw-dashboard"
  disk {
    size = 10
    type = "ssd"
  }
}
`, name)
}

var dashRegions = []string{"us-east-1", "eu-west-1"}

const dashDriftYAML = `roots:
  - dir: infra/app
    targets:
      - {name: us-east-1, workspace: us-east-1, vars: {region: us-east-1}}
      - {name: eu-west-1, workspace: eu-west-1, vars: {region: eu-west-1}}
  - dir: infra/net
    targets:
      - {name: us-east-1, workspace: us-east-1, vars: {region: us-east-1}}
      - {name: eu-west-1, workspace: eu-west-1, vars: {region: eu-west-1}}
policy:
  levels:
    - {name: "terraform.drift*", level: hard-mandatory}
`

// The dashboard is built from a history recorded by real runs (terraform
// plans, a real git remote, the stateful GitHub fake for the pull
// request): every section shows what the runs did, and headless Chromium
// loads the site from disk, finds the sections and takes the screenshot
// the README shows (go test -run TestDashboardFromRecordedRuns -update
// ./internal/app rewrites docs/dashboard.png).
func TestDashboardFromRecordedRuns(t *testing.T) {
	t.Parallel()
	tftest.Long(t)
	chrome := chromiumPath(t) // before the runs: a missing browser fails at once under CI
	env := tftest.Setup(t)
	ws := t.TempDir()
	cloudPath := filepath.Join(ws, "cloud.json")
	cloud := tftest.Cloud{Path: cloudPath}
	for _, root := range []string{"app", "net"} {
		dir := tftest.WriteRoot(t, ws, "infra/"+root, map[string]string{"main.tf": regionRoot(root, cloudPath)})
		env.Run(t, dir, "init", "-input=false")
		for _, region := range dashRegions {
			env.Run(t, dir, "workspace", "new", region)
			env.Run(t, dir, "apply", "-auto-approve", "-input=false", "-var", "region="+region)
		}
	}
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": dashDriftYAML})
	remote := gitWorkspace(t, ws)
	gh := githubtest.NewServer(t, githubtest.WithToken("ghs_testtoken"))
	gh.SetBranch("acme", "infra", "main", map[string]string{"README.md": "infra\n"})
	drift := func(name, team string) {
		cloud.EditInstance(t, name, func(i map[string]any) { i["tags"].(map[string]any)["team"] = team })
	}
	step := func(n int, inputs map[string]string) {
		t.Helper()
		vars := map[string]string{"GITHUB_RUN_ID": fmt.Sprint(100 + n), "GITHUB_REF_NAME": "main", "GITHUB_SHA": gitopsVars["GITHUB_SHA"], "GITHUB_RUN_ATTEMPT": "1"}
		res := runnerRun{t: t, env: env, workspace: ws, event: "schedule", inputs: inputs, vars: vars, apiURL: gh.URL()}.run()
		if res.code != 0 && res.code != ExitPolicy {
			t.Fatalf("run %d: exit %d\n%s", n, res.code, res.stdout)
		}
		// The next run starts from what this one pushed, as a new checkout would.
		if out, err := exec.Command("git", "-C", ws, "pull", "--ff-only", "-q").CombinedOutput(); err != nil {
			t.Fatalf("git pull: %v\n%s", err, out)
		}
	}

	// 1: two targets drift, their policy violations are recorded.
	drift("app-us-east-1", "intruder")
	drift("net-eu-west-1", "intruder")
	step(1, map[string]string{"mode": "record"})
	// 2: net eu-west-1 is put back by hand; remediate applies app us-east-1.
	drift("net-eu-west-1", "platform")
	step(2, map[string]string{"mode": "remediate", "remediation": "apply"})
	// 3: two more drift; app's is snoozed, net's gets a remediation PR.
	drift("app-eu-west-1", "intruder")
	drift("net-us-east-1", "intruder")
	tftest.WriteRoot(t, ws, ".github", map[string]string{"drift.yaml": dashDriftYAML +
		"snooze:\n  - root: infra/app\n    address: fakecloud_instance.web\n    until: 2099-01-01\n    reason: load test INC-42\n"})
	step(3, map[string]string{"mode": "remediate", "remediation": "pr"})

	logText := remoteFile(t, remote, "drift/drift-log.yaml")
	kinds := strings.Join(logKinds(t, logText), ",")
	for _, k := range []string{"detected", "policy-violation", "self-healed", "recovered", "snoozed", "remediation-pr-opened"} {
		if !strings.Contains(kinds, k) {
			t.Fatalf("the recorded log has no %s event (%s):\n%s", k, kinds, logText)
		}
	}

	// The dashboard, from the files the runs committed.
	site := filepath.Join(t.TempDir(), "site")
	env2 := config.Env{Getenv: func(string) string { return "" }, Cwd: ws}
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), []string{"dashboard", "--log", "drift/drift-log.yaml", "--report", "drift/drift-report.yaml", "--out", site}, env2, &stdout, &stderr); err != nil {
		t.Fatalf("dashboard: %v\n%s", err, stderr.String())
	}
	page, err := os.ReadFile(filepath.Join(site, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := record.ParseLog("drift-log.yaml", []byte(logText))
	if err != nil {
		t.Fatal(err)
	}
	m := dashboard.Build(dashboard.Input{Events: l.Events, Now: time.Now()})
	var prURL string
	for _, e := range l.Events {
		if e.Event == record.RemediationPROpened {
			prURL = e.PR
		}
	}
	// What the runs did, as the page tells it.
	checks := []struct{ what, want string }{
		{"repository", "Drift dashboard: acme/infra"},
		// recovered then self-healed, in one run: a heal
		{"healed by apply", "<tr><td>healed by apply</td><td class=\"num\">1</td></tr>"},
		{"fixed by hand", "<tr><td>fixed by hand</td><td class=\"num\">1</td></tr>"},
		{"the grid of roots and regions", `<th scope="col" class="num">eu-west-1</th><th scope="col" class="num">us-east-1</th>`},
		{"the open pull request", `<a href="` + prURL + `">`},
		{"the snooze", "load test INC-42"},
		{"a type", "fakecloud_instance"},
		{"an attribute", "fakecloud_instance.tags.team"},
		{"a severity", `id="violations-chart"`},
		{"the root badges", `src="badges/infra-net.svg"`},
	}
	for _, c := range checks {
		if !strings.Contains(string(page), c.want) {
			t.Errorf("the page does not show %s (%q)", c.what, c.want)
		}
	}
	for _, rs := range m.RootState {
		b, err := os.ReadFile(filepath.Join(site, "badges", strings.ReplaceAll(rs.Root, "/", "-")+".svg"))
		if err != nil || !bytes.Contains(b, []byte(">"+string(rs.Status)+"</text>")) {
			t.Errorf("badge of %s: %v, want %q:\n%s", rs.Root, err, rs.Status, b)
		}
	}
	if got := statusOf(m, "infra/net"); got != dashboard.StatusHealing {
		t.Errorf("infra/net is %q, want healing (its one drift has a pull request)", got)
	}
	if b, _ := os.ReadFile(filepath.Join(site, "badge.svg")); !bytes.Contains(b, []byte(">"+string(m.Status)+"</text>")) {
		t.Errorf("the repository badge does not say %q:\n%s", m.Status, b)
	}
	if bytes.Contains(page, []byte("pw-dashboard")) {
		t.Errorf("the page shows a sensitive value")
	}

	// In a real browser, from disk.
	dom := chromiumRun(t, chrome, "--dump-dom", "file://"+filepath.Join(site, "index.html"))
	for _, id := range []string{"summary", "figures", "weekly-chart", "weekly-table", "open-drift-table", "recovery-table", "roots-chart",
		"targets-chart", "grid-table", "types-chart", "attributes-chart", "endings-chart", "violations-chart", "snoozes-table", "badges", "status-badge"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the browser's DOM has no #%s", id)
		}
	}
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	chromiumRun(t, chrome, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars", "file://"+filepath.Join(site, "index.html"))
	img := decodePNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot %v, want 1280x2000", b)
	}
	if n := colours(img); n < 16 {
		t.Errorf("the screenshot has %d colours: the page did not render", n)
	}
	// Light and dark follow the viewer's setting.
	darkShot := filepath.Join(t.TempDir(), "dark.png")
	chromiumRun(t, chrome, "--screenshot="+darkShot, "--window-size=800,600", "--hide-scrollbars", "--force-dark-mode", "file://"+filepath.Join(site, "index.html"))
	if l, d := luminance(img.At(2, 2)), luminance(decodePNG(t, darkShot).At(2, 2)); l < 0.9 || d > 0.2 {
		t.Errorf("page background luminance %.2f light, %.2f dark: want a light page and a dark one", l, d)
	}
	if *updateScreenshot {
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func statusOf(m dashboard.Model, root string) dashboard.Status {
	for _, rs := range m.RootState {
		if rs.Root == root {
			return rs.Status
		}
	}
	return ""
}

// chromiumPath finds headless Chromium; without it the test fails under
// CI=true (CI must run it) and is skipped, saying why, elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: the dashboard's browser checks need it (apt-get install -y chromium; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// chromiumRun runs headless Chromium (no sandbox: CI runs as root in a
// container) with its own profile, and returns its stdout.
func chromiumRun(t *testing.T, chrome string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chrome, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is no PNG: %v", err)
	}
	return img
}

// luminance is c's relative luminance, 0 (black) to 1 (white), roughly.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
