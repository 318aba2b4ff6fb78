package main

// Contract tests for the files that make this repository a GitHub Action:
// action.yml against the inputs and outputs the Go code reads and writes,
// the Dockerfile against what GitHub needs from a container action, and the
// workflows (this repository's and the examples users copy) against
// action.yml.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/actionimage"
	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/tftest"
	"go.yaml.in/yaml/v3"
)

const actionRef = "myorg/drift-action@v1"

type actionMeta struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description        string  `yaml:"description"`
		Required           *bool   `yaml:"required"`
		Default            *string `yaml:"default"`
		DeprecationMessage string  `yaml:"deprecationMessage"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using      string            `yaml:"using"`
		Image      string            `yaml:"image"`
		Args       []string          `yaml:"args"`
		Entrypoint string            `yaml:"entrypoint"`
		Env        map[string]string `yaml:"env"`
	} `yaml:"runs"`
}

// readAction decodes action.yml strictly: an unknown key (a typo such as
// "requried") is an error.
func readAction(t *testing.T) (actionMeta, *yaml.Node) {
	t.Helper()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	return decodeAction(t, data)
}

func decodeAction(t *testing.T, data []byte) (actionMeta, *yaml.Node) {
	t.Helper()
	var meta actionMeta
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&meta); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return meta, &root
}

// expressionPaths lists the dotted paths of the scalars holding ${{ }}.
// GitHub evaluates expressions anywhere in action.yml while loading it,
// descriptions included, and most contexts do not exist then: one in a
// description makes every workflow using the action fail to load.
func expressionPaths(n *yaml.Node, path string, out *[]string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = path + "[" + strconv.Itoa(i) + "]"
			}
			expressionPaths(c, p, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if strings.Contains(n.Content[i].Value, "${{") {
				*out = append(*out, p+" (key)")
			}
			expressionPaths(n.Content[i+1], p, out)
		}
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${{") {
			*out = append(*out, path)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestActionMetadata(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	// The default branch builds the image on the runner; only a release
	// commit names a published image (TestActionReleased).
	checkActionMetadata(t, data, "Dockerfile")
}

// checkActionMetadata is the contract of an action.yml, the default
// branch's or a release's: they differ only in runs.image.
func checkActionMetadata(t *testing.T, data []byte, wantImage string) {
	t.Helper()
	meta, root := decodeAction(t, data)

	defaults := map[string]string{}
	var notOptional, noInputDescription, noOutputDescription []string
	for name, in := range meta.Inputs {
		switch {
		case in.Default == nil:
			defaults[name] = "<no default key>"
		default:
			defaults[name] = *in.Default
		}
		if in.Required == nil || *in.Required {
			notOptional = append(notOptional, name)
		}
		if strings.TrimSpace(in.Description) == "" {
			noInputDescription = append(noInputDescription, name)
		}
	}
	for name, out := range meta.Outputs {
		if strings.TrimSpace(out.Description) == "" {
			noOutputDescription = append(noOutputDescription, name)
		}
	}
	for _, s := range [][]string{notOptional, noInputDescription, noOutputDescription} {
		sort.Strings(s)
	}
	var exprs []string
	expressionPaths(root, "", &exprs)
	wantOutputs := slices.Clone(config.ActionOutputs)
	sort.Strings(wantOutputs)

	tests := []struct {
		name      string
		want, got any
	}{
		{"name", "drift-action", meta.Name},
		{"description present", true, strings.TrimSpace(meta.Description) != ""},
		{"author present", true, strings.TrimSpace(meta.Author) != ""},
		{"branding.icon present", true, meta.Branding.Icon != ""},
		{"branding.color present", true, meta.Branding.Color != ""},
		{"runs.using", "docker", meta.Runs.Using},
		{"runs.image", wantImage, meta.Runs.Image},
		// No arguments: the binary sees GITHUB_ACTIONS=true and runs as the action.
		{"runs.args", []string{}, meta.Runs.Args},
		{"runs.entrypoint (the image's is used)", "", meta.Runs.Entrypoint},
		{"input defaults equal config.ActionDefaults", config.ActionDefaults, defaults},
		{"outputs equal config.ActionOutputs", wantOutputs, sortedKeys(meta.Outputs)},
		{"inputs not declared required: false", []string(nil), notOptional},
		{"inputs without a description", []string(nil), noInputDescription},
		{"outputs without a description", []string(nil), noOutputDescription},
		{"expressions in action.yml", []string{"inputs.github-token.default"}, exprs},
		{"matrix is an output (mode list)", true, slices.Contains(config.ActionOutputs, "matrix")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("action.yml: %s (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd   string // upper-cased: FROM, RUN, COPY, ...
	Args  string
	Line  int // where it starts
	Stage int // index of the FROM it belongs to
}

type stage struct {
	Image, Name string
	Platform    string // FROM --platform=..., as written
	Instrs      []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions. Lines
// ending in a backslash continue on the next; comment lines and blank lines
// (inside continuations too) are dropped, as docker does.
func parseDockerfile(text string) []stage {
	var stages []stage
	var cur strings.Builder
	start := 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		cmd, args, _ := strings.Cut(s, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			st := stage{}
			// FROM [--platform=...] image [AS name]
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				if v, ok := strings.CutPrefix(f[0], "--platform="); ok {
					st.Platform = v
				}
				f = f[1:]
			}
			if len(f) > 0 {
				st.Image = f[0]
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.Name = f[2]
			}
			stages = append(stages, st)
		}
		if len(stages) == 0 {
			// ARGs before the first FROM are global: they go to a pseudo
			// stage that fromStages leaves out.
			stages = append(stages, stage{Name: "<global>"})
		}
		in.Stage = len(stages) - 1
		stages[in.Stage].Instrs = append(stages[in.Stage].Instrs, in)
	}
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() > 0) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

func fromStages(stages []stage) []stage {
	var out []stage
	for _, s := range stages {
		if s.Name != "<global>" {
			out = append(out, s)
		}
	}
	return out
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Instrs {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// dockerArgs returns the ARG defaults declared anywhere: name -> default.
func dockerArgs(stages []stage) map[string]string {
	out := map[string]string{}
	for _, s := range stages {
		for _, in := range s.all("ARG") {
			name, def, _ := strings.Cut(in.Args, "=")
			out[strings.TrimSpace(name)] = strings.Trim(strings.TrimSpace(def), `"`)
		}
	}
	return out
}

func runs(s stage) string {
	var b strings.Builder
	for _, in := range s.all("RUN") {
		b.WriteString(in.Args)
		b.WriteString("\n")
	}
	return b.String()
}

// copyInstr is a COPY: its --from stage (if any), first source and destination.
type copyInstr struct{ From, Src, Dest string }

func copies(s stage) []copyInstr {
	var out []copyInstr
	for _, in := range s.all("COPY") {
		f := strings.Fields(in.Args)
		var c copyInstr
		var rest []string
		for _, w := range f {
			if v, ok := strings.CutPrefix(w, "--from="); ok {
				c.From = v
			} else if !strings.HasPrefix(w, "--") {
				rest = append(rest, w)
			}
		}
		if len(rest) >= 2 {
			c.Src, c.Dest = rest[0], rest[len(rest)-1]
		}
		out = append(out, c)
	}
	return out
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	all := parseDockerfile(string(data))
	stages := fromStages(all)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d FROM stage(s); want a multi-stage build", len(stages))
	}
	final := stages[len(stages)-1]
	byName := map[string]stage{}
	var named []string
	for _, s := range stages[:len(stages)-1] {
		if s.Name != "" {
			named = append(named, s.Name)
			byName[s.Name] = s
		}
	}
	args := dockerArgs(all)

	// ENTRYPOINT: exec form, absolute path, put there by a COPY of the final stage.
	var entry []string
	var entryRaw string
	if eps := final.all("ENTRYPOINT"); len(eps) > 0 {
		entryRaw = eps[len(eps)-1].Args
		if err := json.Unmarshal([]byte(entryRaw), &entry); err != nil {
			entry = nil
		}
	}
	entryCopied := false
	var entryFrom string
	if len(entry) > 0 {
		for _, c := range copies(final) {
			if c.Dest == entry[0] || (strings.HasSuffix(c.Dest, "/") && c.Dest+filepath.Base(c.Src) == entry[0]) {
				entryCopied, entryFrom = true, c.From
			}
		}
	}
	// The stage that builds the entrypoint binary builds it static.
	buildRuns := runs(byName[entryFrom])

	// USER in the final stage: none, or root.
	var users []string
	for _, in := range final.all("USER") {
		if in.Args != "root" && in.Args != "0" && in.Args != "0:0" {
			users = append(users, in.Args)
		}
	}

	// The stage that verifies terraform, for the platform being built.
	tfVerified, tfPerArch := false, false
	for _, s := range stages {
		r := runs(s)
		if strings.Contains(r, "sha256sum -c") && strings.Contains(r, "TERRAFORM_SHA256") && strings.Contains(r, "releases.hashicorp.com") {
			tfVerified = true
			tfPerArch = strings.Contains(r, "TARGETARCH") && strings.Contains(r, "_linux_${arch}.zip") && slices.ContainsFunc(s.all("ARG"), func(in instruction) bool { return in.Args == "TARGETARCH" })
		}
	}
	// Cross-compiled: the Go stage runs on the build machine's platform and
	// builds both binaries for the target's, so an arm64 image needs no
	// emulated compile.
	buildStage := byName[entryFrom]
	var buildArgs []string
	for _, in := range buildStage.all("ARG") {
		buildArgs = append(buildArgs, in.Args)
	}
	crossCompiled := strings.Contains(buildRuns, `GOOS="$TARGETOS"`) && strings.Contains(buildRuns, `GOARCH="$TARGETARCH"`) &&
		strings.Contains(buildRuns, "./internal/gatekeeper/cmd/drift-action-gatekeeper") &&
		slices.Contains(buildArgs, "TARGETOS") && slices.Contains(buildArgs, "TARGETARCH")
	finalRuns := runs(final)
	aptInstalls := func(pkg string) bool {
		for _, l := range strings.Split(finalRuns, "\n") {
			if strings.Contains(l, "apt-get install") && slices.Contains(strings.Fields(l), pkg) {
				return true
			}
		}
		return false
	}
	terraformCopied := false
	for _, c := range copies(final) {
		if c.Dest == "/usr/local/bin/terraform" && c.From != "" {
			terraformCopied = true
		}
	}

	// The build stage's Go matches go.mod's go directive (major.minor), and
	// the image's terraform matches the one CI tests with.
	goMod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	buildImage := byName[entryFrom].Image
	ciTerraform := ""
	if ci, err := os.ReadFile(filepath.Join(".github", "workflows", "ci.yml")); err == nil {
		if m := regexp.MustCompile(`terraform_version:\s*"?([0-9.]+)`).FindSubmatch(ci); m != nil {
			ciTerraform = string(m[1])
		}
	}

	tests := []struct {
		name      string
		want, got any
	}{
		{"at least two named build stages before the final one", true, len(named) >= 2},
		{"final stage sets no USER but root (GitHub runs container actions as root)", []string(nil), users},
		{"ENTRYPOINT is exec form with an absolute path", true, len(entry) > 0 && filepath.IsAbs(entry[0])},
		{"ENTRYPOINT", []string{"/usr/local/bin/drift-action"}, entry},
		{"ENTRYPOINT binary is copied into the final stage from a build stage", true, entryCopied && entryFrom != ""},
		{"binary built with CGO_ENABLED=0", true, strings.Contains(buildRuns, "CGO_ENABLED=0") && strings.Contains(buildRuns, "go build")},
		{"binary built with -trimpath and the version stamped", true, strings.Contains(buildRuns, "-trimpath") && strings.Contains(buildRuns, "internal/app.Version=")},
		{"build image matches go.mod", true, goVersion != nil && strings.HasPrefix(buildImage, "golang:"+string(goVersion[1]))},
		{"ARG TERRAFORM_VERSION set", true, args["TERRAFORM_VERSION"] != ""},
		{"ARG TERRAFORM_SHA256_AMD64 is a sha256", true, sha256Hex.MatchString(args["TERRAFORM_SHA256_AMD64"])},
		{"ARG TERRAFORM_SHA256_ARM64 is a sha256", true, sha256Hex.MatchString(args["TERRAFORM_SHA256_ARM64"])},
		{"the two terraform checksums differ", true, args["TERRAFORM_SHA256_AMD64"] != args["TERRAFORM_SHA256_ARM64"]},
		{"build stage runs on the build platform", "$BUILDPLATFORM", buildStage.Platform},
		{"both binaries cross-compiled for TARGETOS/TARGETARCH", true, crossCompiled},
		{"terraform zip chosen and verified per TARGETARCH", true, tfPerArch},
		{"final stage runs on the target platform", "", final.Platform},
		{"TERRAFORM_VERSION equals CI's terraform_version", args["TERRAFORM_VERSION"], ciTerraform},
		{"terraform download verified with sha256sum -c", true, tfVerified},
		{"terraform copied to /usr/local/bin/terraform", true, terraformCopied},
		{"final stage installs git", true, aptInstalls("git")},
		{"final stage installs ca-certificates", true, aptInstalls("ca-certificates")},
		{"final stage apt uses --no-install-recommends", true, strings.Contains(finalRuns, "--no-install-recommends")},
		{"final stage cleans apt lists", true, strings.Contains(finalRuns, "rm -rf /var/lib/apt/lists/*")},
		{"safe.directory is the mounted workspace", true, strings.Contains(finalRuns, "safe.directory /github/workspace")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("Dockerfile: %s (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestDockerfileParser(t *testing.T) {
	t.Parallel()
	text := "ARG G=1\n# c\nFROM --platform=$BUILDPLATFORM a:1 AS one\nRUN x \\\n  # inner comment\n  && y\n\nFROM b\nCOPY --from=one /o /usr/local/bin/o\nENTRYPOINT [\"/usr/local/bin/o\"]\n"
	all := parseDockerfile(text)
	type flat struct {
		Stage, Cmd, Args string
		Line             int
	}
	var got []flat
	for _, s := range all {
		for _, in := range s.Instrs {
			got = append(got, flat{s.Name, in.Cmd, in.Args, in.Line})
		}
	}
	want := []flat{
		{"<global>", "ARG", "G=1", 1},
		{"one", "FROM", "--platform=$BUILDPLATFORM a:1 AS one", 3},
		{"one", "RUN", "x  && y", 4},
		{"", "FROM", "b", 8},
		{"", "COPY", "--from=one /o /usr/local/bin/o", 9},
		{"", "ENTRYPOINT", `["/usr/local/bin/o"]`, 10},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseDockerfile (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(2, len(fromStages(all))); diff != "" {
		t.Errorf("fromStages (-want +got):\n%s", diff)
	}
	var platforms []string
	for _, s := range fromStages(all) {
		platforms = append(platforms, s.Image+" "+s.Platform)
	}
	if diff := cmp.Diff([]string{"a:1 $BUILDPLATFORM", "b "}, platforms); diff != "" {
		t.Errorf("stage images and platforms (-want +got):\n%s", diff)
	}
}

// TestDockerignore keeps the files `go build .` needs in the build context.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum", "main.go", "internal", "policies", "Dockerfile"}
	var excluded []string
	for _, l := range strings.Split(string(data), "\n") {
		p := strings.TrimSpace(l)
		if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "!") {
			continue
		}
		p = strings.TrimPrefix(strings.TrimPrefix(p, "/"), "**/")
		for _, n := range needed {
			if ok, _ := filepath.Match(p, n); ok || p == n || p == "*" {
				excluded = append(excluded, n+" by "+l)
			}
		}
	}
	if diff := cmp.Diff([]string(nil), excluded); diff != "" {
		t.Errorf(".dockerignore excludes files the build needs (-want +got):\n%s", diff)
	}
}

type workflow struct {
	Name string         `yaml:"name"`
	On   any            `yaml:"on"`
	Jobs map[string]job `yaml:"jobs"`
}

type job struct {
	Steps []struct {
		Uses string         `yaml:"uses"`
		With map[string]any `yaml:"with"`
	} `yaml:"steps"`
}

func TestWorkflows(t *testing.T) {
	t.Parallel()
	meta, _ := readAction(t)
	var files []string
	for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml", "examples/workflows/*.yml", "examples/workflows/*.yaml"} {
		m, err := filepath.Glob(filepath.FromSlash(pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var examples []string
	for _, f := range files {
		if strings.HasPrefix(filepath.ToSlash(f), "examples/") {
			examples = append(examples, filepath.Base(f))
		}
	}
	sort.Strings(examples)
	if diff := cmp.Diff([]string{"dashboard.yml", "drift-dispatch.yml", "drift-matrix.yml", "drift-pull-request.yml", "drift-record.yml", "drift-remediate.yml", "drift-sarif.yml", "drift-schedule.yml"}, examples); diff != "" {
		t.Errorf("example workflows (-want +got):\n%s", diff)
	}

	for _, file := range files {
		t.Run(filepath.ToSlash(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var wf workflow
			if err := yaml.Unmarshal(data, &wf); err != nil {
				t.Fatalf("%s does not parse: %v", file, err)
			}
			var unknownInputs, badRefs, badModes []string
			uses := 0
			for _, name := range sortedKeys(wf.Jobs) {
				for i, step := range wf.Jobs[name].Steps {
					if strings.HasPrefix(step.Uses, "myorg/drift-action") && step.Uses != actionRef {
						badRefs = append(badRefs, step.Uses)
					}
					if step.Uses != actionRef {
						continue
					}
					uses++
					for _, k := range sortedKeys(step.With) {
						if _, ok := meta.Inputs[k]; !ok {
							unknownInputs = append(unknownInputs, name+".steps["+strconv.Itoa(i)+"].with."+k)
						}
					}
					if m, ok := step.With["mode"].(string); ok && !strings.Contains(m, "${{") {
						if !slices.Contains(config.Modes, m) {
							badModes = append(badModes, m)
						}
						// Recording and healing push to the repository.
						if (m == "record" || m == "remediate") && !strings.Contains(string(data), "contents: write") {
							badModes = append(badModes, m+" without contents: write")
						}
					}
				}
			}
			isExample := strings.HasPrefix(filepath.ToSlash(file), "examples/")
			tests := []struct {
				name      string
				want, got any
			}{
				{"has a name", true, wf.Name != ""},
				{"has a trigger", true, wf.On != nil},
				{"has jobs", true, len(wf.Jobs) > 0},
				{"with: keys of " + actionRef + " steps not declared in action.yml", []string(nil), unknownInputs},
				{"references to the action other than " + actionRef, []string(nil), badRefs},
				{"modes that are not available", []string(nil), badModes},
				{"examples use the action", isExample, isExample && uses > 0},
			}
			for _, tt := range tests {
				if diff := cmp.Diff(tt.want, tt.got); diff != "" {
					t.Errorf("%s: %s (-want +got):\n%s", file, tt.name, diff)
				}
			}
		})
	}
}

// hiddenUploads lists the upload-artifact steps of a workflow whose path has
// a hidden (dot-prefixed) segment, such as .drift-action/, without
// include-hidden-files: true. upload-artifact v4.4 and later skip hidden
// files unless told otherwise, so such a step uploads nothing (and fails
// with if-no-files-found: error).
func hiddenUploads(data []byte) ([]string, error) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string         `yaml:"name"`
				Uses string         `yaml:"uses"`
				With map[string]any `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return nil, err
	}
	var bad []string
	for _, name := range sortedKeys(wf.Jobs) {
		for i, step := range wf.Jobs[name].Steps {
			action, _, _ := strings.Cut(step.Uses, "@")
			if action != "actions/upload-artifact" {
				continue
			}
			// Both the YAML boolean and the string "true" are accepted.
			if v := step.With["include-hidden-files"]; v == true || v == "true" {
				continue
			}
			path, _ := step.With["path"].(string)
			for line := range strings.SplitSeq(path, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "!") {
					continue // an exclusion needs no hidden files
				}
				if hasHiddenSegment(line) {
					bad = append(bad, name+".steps["+strconv.Itoa(i)+"] path "+line)
				}
			}
		}
	}
	return bad, nil
}

func hasHiddenSegment(path string) bool {
	for seg := range strings.FieldsFuncSeq(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if strings.HasPrefix(seg, ".") && seg != "." && seg != ".." {
			return true
		}
	}
	return false
}

func TestHiddenUploads(t *testing.T) {
	t.Parallel()
	step := func(with string) string {
		return "jobs:\n  j:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/upload-artifact@v4\n        with:\n" + with
	}
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"hidden directory", step("          path: .drift-action/\n"), []string{"j.steps[1] path .drift-action/"}},
		{"hidden file deep down", step("          path: out/.cache/x.json\n"), []string{"j.steps[1] path out/.cache/x.json"}},
		{"hidden segment in a multi-line path", step("          path: |\n            results/\n            ./.drift-action/**\n            !.git\n"), []string{"j.steps[1] path ./.drift-action/**"}},
		{"include-hidden-files true", step("          path: .drift-action/\n          include-hidden-files: true\n"), nil},
		{"include-hidden-files as a string", step("          path: .drift-action/\n          include-hidden-files: \"true\"\n"), nil},
		{"include-hidden-files false", step("          path: .drift-action/\n          include-hidden-files: false\n"), []string{"j.steps[1] path .drift-action/"}},
		{"no hidden segment", step("          path: ./results/../out/result.json\n"), nil},
		{"another action", "jobs:\n  j:\n    steps:\n      - uses: actions/download-artifact@v4\n        with:\n          path: .drift-action/\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := hiddenUploads([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hiddenUploads (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWorkflowsUploadHiddenFiles checks every workflow, this repository's and
// the examples, for uploads that would silently leave out hidden files.
func TestWorkflowsUploadHiddenFiles(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml", "examples/workflows/*.yml", "examples/workflows/*.yaml"} {
		m, err := filepath.Glob(filepath.FromSlash(pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no workflows found")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		bad, err := hiddenUploads(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if diff := cmp.Diff([]string(nil), bad); diff != "" {
			t.Errorf("%s: upload-artifact paths with hidden segments need include-hidden-files: true (-want +got):\n%s", filepath.ToSlash(file), diff)
		}
	}
}

// docs/ARCHITECTURE.md's package table is the map a new maintainer reads
// first: every package of the module is in it, nothing else is, and each
// row's imports are the internal packages the code imports (tests aside).
func TestArchitecturePackageTable(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "\n## Packages\n")
	if !ok {
		t.Fatal("docs/ARCHITECTURE.md has no ## Packages section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string][]string{} // package -> imports as listed; nil: not checked
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		imports := strings.TrimSpace(cells[len(cells)-2])
		switch imports {
		case "all below":
			documented[name] = nil
		case "—", "-", "":
			documented[name] = []string{}
		default:
			var names []string
			for _, n := range strings.Split(imports, ",") {
				names = append(names, strings.TrimSpace(n))
			}
			sort.Strings(names)
			documented[name] = names
		}
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/myorg/drift-action"
	actual := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		if pkg == "" {
			pkg = "main"
		}
		if strings.HasPrefix(pkg, "internal/") && strings.Contains(pkg, "/cmd/") || strings.HasPrefix(pkg, "deploy") {
			continue // a companion binary's main and the deploy checks: described with their package
		}
		imports := []string{}
		for _, imp := range fields[1:] {
			if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
				if p := strings.TrimPrefix(rest, "internal/"); p != rest {
					rest = p
				}
				imports = append(imports, rest[strings.LastIndex(rest, "/")+1:])
			}
		}
		sort.Strings(imports)
		actual[pkg] = imports
	}
	for pkg, imports := range actual {
		want, ok := documented[pkg]
		switch {
		case !ok:
			t.Errorf("package %s is not in docs/ARCHITECTURE.md's package table", pkg)
		case want != nil:
			if diff := cmp.Diff(want, imports); diff != "" {
				t.Errorf("package %s: imports in docs/ARCHITECTURE.md (-want +got):\n%s", pkg, diff)
			}
		}
	}
	for pkg := range documented {
		if _, ok := actual[pkg]; !ok {
			if _, err := os.Stat(pkg); err != nil || pkg == "testdata/fakecloud" {
				if err != nil {
					t.Errorf("docs/ARCHITECTURE.md lists %s, which does not exist", pkg)
				}
			}
		}
	}
}

// The released action.yml: the default branch's, pinned by the release
// workflow's program to the published image. It keeps the whole contract
// (inputs, outputs, no stray expression) and differs in runs.image alone.
func TestActionReleased(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	image, err := actionimage.Ref("ghcr.io/myorg/drift-action", "sha256:"+strings.Repeat("0123456789abcdef", 4))
	if err != nil {
		t.Fatal(err)
	}
	released, err := actionimage.Pin(src, image)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^docker://ghcr\.io/myorg/drift-action@sha256:[0-9a-f]{64}$`).MatchString(image) {
		t.Errorf("released runs.image %q is not docker://ghcr.io/<owner>/<repo>@sha256:<64 hex>", image)
	}
	checkActionMetadata(t, released, image)

	// Line by line: one line changed, from the Dockerfile to the image.
	before, after := strings.Split(string(src), "\n"), strings.Split(string(released), "\n")
	var changed []string
	for i := range max(len(before), len(after)) {
		var b, a string
		if i < len(before) {
			b = before[i]
		}
		if i < len(after) {
			a = after[i]
		}
		if a != b {
			changed = append(changed, strconv.Itoa(i+1)+": "+b+" -> "+a)
		}
	}
	want := []string{}
	for i, l := range before {
		if l == "  image: Dockerfile" {
			want = append(want, strconv.Itoa(i+1)+": "+l+" -> "+"  image: "+image)
		}
	}
	if diff := cmp.Diff(want, changed); diff != "" || len(want) != 1 {
		t.Errorf("released action.yml's changed lines (-want +got):\n%s", diff)
	}
}

type releaseStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

type releaseJob struct {
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Outputs     map[string]string `yaml:"outputs"`
	Steps       []releaseStep     `yaml:"steps"`
}

// stepIndex is the index of the first step of job using action (owner/name,
// any ref) at or after from, or -1.
func stepIndex(j releaseJob, action string, from int) int {
	for i := max(from, 0); i < len(j.Steps); i++ {
		if name, _, _ := strings.Cut(j.Steps[i].Uses, "@"); name == action {
			return i
		}
	}
	return -1
}

func withString(s releaseStep, key string) string {
	switch v := s.With[key].(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// releaseProblems checks the release workflow: it runs only on version
// tags, builds both platforms and pushes them to ghcr.io with an SBOM and
// provenance, signs the pushed digest keyless, pins action.yml to that
// digest and moves the tags, each job with the permissions it needs and no
// more, and the actions it shares with ci.yml at the same refs.
func releaseProblems(data, ci []byte) []string {
	var wf struct {
		On          map[string]any        `yaml:"on"`
		Permissions map[string]string     `yaml:"permissions"`
		Jobs        map[string]releaseJob `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// Trigger: a pushed version tag, nothing else.
	for _, event := range sortedKeys(wf.On) {
		if event != "push" {
			add("runs on %s, not only on tags", event)
		}
	}
	push, _ := wf.On["push"].(map[string]any)
	for _, k := range sortedKeys(push) {
		if k != "tags" {
			add("push: %s: runs on more than tags", k)
		}
	}
	tags, _ := push["tags"].([]any)
	if len(tags) == 0 {
		add("no push tags")
	}
	for _, p := range tags {
		if s, _ := p.(string); !strings.HasPrefix(s, "v") {
			add("tag pattern %v does not start with v", p)
		}
	}
	if wf.Permissions == nil || len(wf.Permissions) > 0 {
		add("workflow permissions %v: want {} and each job's own", wf.Permissions)
	}

	var imageJob, releaseJobName string
	for _, name := range sortedKeys(wf.Jobs) {
		j := wf.Jobs[name]
		if stepIndex(j, "docker/build-push-action", 0) >= 0 {
			imageJob = name
		}
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "pin-action-image") {
				releaseJobName = name
			}
		}
	}
	if imageJob == "" || releaseJobName == "" {
		add("want a job that builds with docker/build-push-action and one that runs pin-action-image; got %q and %q", imageJob, releaseJobName)
		return problems
	}

	// The image job.
	j := wf.Jobs[imageJob]
	b := stepIndex(j, "docker/build-push-action", 0)
	build := j.Steps[b]
	var platforms []string
	for p := range strings.FieldsFuncSeq(withString(build, "platforms"), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		add("build platforms %v: want linux/amd64 and linux/arm64", platforms)
	}
	if withString(build, "push") != "true" {
		add("build does not push")
	}
	if withString(build, "sbom") != "true" {
		add("build has no SBOM (sbom: true)")
	}
	if withString(build, "provenance") != "mode=max" {
		add("build provenance %q: want mode=max", withString(build, "provenance"))
	}
	digestExpr := "${{ steps." + build.ID + ".outputs.digest }}"
	if build.ID == "" || j.Outputs["digest"] != digestExpr {
		add("image job output digest %q: want the build step's digest", j.Outputs["digest"])
	}
	m := stepIndex(j, "docker/metadata-action", 0)
	if m < 0 || m > b || j.Steps[m].ID == "" || withString(build, "tags") != "${{ steps."+j.Steps[m].ID+".outputs.tags }}" {
		add("build tags do not come from a docker/metadata-action step before it")
	} else {
		images := withString(j.Steps[m], "images")
		ref := regexp.MustCompile(`^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$`).FindStringSubmatch(images)
		onGHCR := strings.HasPrefix(images, "ghcr.io/")
		for _, s := range j.Steps[:m] {
			if ref != nil && s.ID == ref[1] && strings.Contains(s.Run, ref[2]+"=ghcr.io/") {
				onGHCR = true
			}
		}
		if !onGHCR {
			add("image %q is not on ghcr.io", images)
		}
	}
	if i := stepIndex(j, "docker/setup-buildx-action", 0); i < 0 || i > b {
		add("no docker/setup-buildx-action before the build")
	}
	if i := stepIndex(j, "docker/setup-qemu-action", 0); i < 0 || i > b || !strings.Contains(withString(j.Steps[i], "platforms"), "arm64") {
		add("no docker/setup-qemu-action for arm64 before the build (the final stage runs apt-get)")
	}
	if i := stepIndex(j, "docker/login-action", 0); i < 0 || i > b || withString(j.Steps[i], "registry") != "ghcr.io" ||
		!slices.Contains([]string{"${{ secrets.GITHUB_TOKEN }}", "${{ github.token }}"}, withString(j.Steps[i], "password")) {
		add("no docker/login-action to ghcr.io with the workflow token before the build")
	}
	if stepIndex(j, "sigstore/cosign-installer", b) < 0 {
		add("no sigstore/cosign-installer after the build")
	}
	signs := 0
	for _, s := range j.Steps[b+1:] {
		if !strings.Contains(s.Run, "cosign sign") {
			continue
		}
		signs++
		all := s.Run + " " + strings.Join(slices.Sorted(maps.Values(s.Env)), " ")
		if !strings.Contains(s.Run, "--yes") {
			add("cosign sign without --yes waits for a prompt")
		}
		if strings.Contains(s.Run, "--key") {
			add("cosign sign uses a key; want keyless (the workflow's OIDC identity)")
		}
		if !strings.Contains(all, "@"+digestExpr) {
			add("cosign sign does not sign the pushed digest (@%s)", digestExpr)
		}
	}
	if signs == 0 {
		add("no step runs cosign sign after the build")
	}
	if diff := cmp.Diff(map[string]string{"contents": "read", "packages": "write", "id-token": "write"}, j.Permissions); diff != "" {
		add("image job permissions (-want +got):\n%s", diff)
	}

	// The release job.
	r := wf.Jobs[releaseJobName]
	needs := fmt.Sprint(r.Needs)
	if needs != imageJob && needs != "["+imageJob+"]" {
		add("release job needs %v: want %s", r.Needs, imageJob)
	}
	pinned, pushed := false, false
	for _, s := range r.Steps {
		all := s.Run + " " + strings.Join(slices.Sorted(maps.Values(s.Env)), " ")
		if strings.Contains(s.Run, "pin-action-image") {
			pinned = true
			if !strings.Contains(all, "needs."+imageJob+".outputs.digest") || !strings.Contains(all, "needs."+imageJob+".outputs.repository") {
				add("pin-action-image does not get the image job's digest and repository")
			}
			dir := regexp.MustCompile(`go run (\./\S+)`).FindStringSubmatch(s.Run)
			if dir == nil {
				add("pin-action-image is not run with go run ./<package>")
			} else if _, err := os.Stat(filepath.Join(filepath.FromSlash(dir[1]), "main.go")); err != nil {
				add("pin-action-image: %s has no main.go", dir[1])
			}
		}
		if pinned && strings.Contains(s.Run, "git commit") && strings.Contains(s.Run, "git tag") && strings.Contains(s.Run, "git push") {
			pushed = true
		}
	}
	if !pushed {
		add("no step after pin-action-image commits action.yml, tags and pushes")
	}
	if diff := cmp.Diff(map[string]string{"contents": "write"}, r.Permissions); diff != "" {
		add("release job permissions (-want +got):\n%s", diff)
	}
	for _, name := range sortedKeys(wf.Jobs) {
		if name == imageJob || name == releaseJobName {
			continue
		}
		for _, p := range sortedKeys(wf.Jobs[name].Permissions) {
			if wf.Jobs[name].Permissions[p] == "write" {
				add("job %s asks for %s: write", name, p)
			}
		}
	}

	// The actions ci.yml uses too, at the same refs.
	ciRefs := map[string]string{}
	for _, m := range regexp.MustCompile(`uses:\s*([\w.-]+/[\w.-]+)@(\S+)`).FindAllStringSubmatch(string(ci), -1) {
		ciRefs[m[1]] = m[2]
	}
	for _, name := range sortedKeys(wf.Jobs) {
		for _, s := range wf.Jobs[name].Steps {
			action, ref, ok := strings.Cut(s.Uses, "@")
			switch {
			case s.Uses == "":
			case !ok || ref == "":
				add("%s: uses %s without a ref", name, s.Uses)
			case ciRefs[action] != "" && ciRefs[action] != ref:
				add("%s: uses %s@%s, ci.yml uses @%s", name, action, ref, ciRefs[action])
			}
		}
	}
	return problems
}

func TestActionReleaseWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join(".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), releaseProblems(data, ci)); diff != "" {
		t.Errorf(".github/workflows/release.yml (-want +got):\n%s", diff)
	}

	// Each check catches what it is for: the real workflow, broken one way.
	tests := []struct {
		name, old, new, want string
	}{
		{"also on branches", "  push:\n    tags:", "  push:\n    branches: [main]\n    tags:", "push: branches: runs on more than tags"},
		{"also on pull requests", "on:\n  push:", "on:\n  pull_request:\n  push:", "runs on pull_request, not only on tags"},
		{"a tag pattern that is not a version", `"v[0-9]+.[0-9]+.[0-9]+-*"`, `"*"`, "does not start with v"},
		{"workflow-wide permissions", "permissions: {}", "permissions:\n  contents: write", "workflow permissions"},
		{"amd64 only", "platforms: linux/amd64,linux/arm64", "platforms: linux/amd64", "build platforms [linux/amd64]"},
		{"no push", "push: true", "push: false", "build does not push"},
		{"no SBOM", "sbom: true", "sbom: false", "build has no SBOM"},
		{"minimal provenance", "provenance: mode=max", "provenance: mode=min", "build provenance \"mode=min\""},
		{"another registry", "registry: ghcr.io", "registry: docker.io", "no docker/login-action to ghcr.io"},
		{"image name off ghcr.io", "repository=ghcr.io/", "repository=docker.io/", "is not on ghcr.io"},
		{"no emulation for the arm64 final stage", "platforms: arm64", "platforms: riscv64", "no docker/setup-qemu-action for arm64"},
		{"signs a tag, not the digest", "@${{ steps.build.outputs.digest }}\n        run: cosign sign", ":latest\n        run: cosign sign", "cosign sign does not sign the pushed digest"},
		{"signs with a key", `cosign sign --yes "$IMAGE"`, `cosign sign --yes --key cosign.key "$IMAGE"`, "cosign sign uses a key"},
		{"no id-token for keyless signing", "      id-token: write # cosign", "      # cosign", "image job permissions"},
		{"contents: write on the image job", "      contents: read\n", "      contents: write\n", "image job permissions"},
		{"digest not an output", "digest: ${{ steps.build.outputs.digest }}", "digest: ${{ steps.meta.outputs.version }}", "image job output digest"},
		{"pins another digest", "DIGEST: ${{ needs.image.outputs.digest }}", "DIGEST: ${{ github.sha }}", "does not get the image job's digest"},
		{"pin program moved", "./internal/actionimage/cmd/pin-action-image", "./cmd/pin-action-image", "./cmd/pin-action-image has no main.go"},
		{"tags not pushed", `git push --force origin "${refs[@]}"`, "true", "commits action.yml, tags and pushes"},
		{"checkout at another ref than ci.yml's", "      - uses: actions/checkout@v4\n\n      - uses: actions/setup-go", "      - uses: actions/checkout@main\n\n      - uses: actions/setup-go", "uses actions/checkout@main, ci.yml uses @v4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(string(data), tt.old) {
				t.Fatalf("release.yml no longer contains %q; update this case", tt.old)
			}
			broken := strings.Replace(string(data), tt.old, tt.new, 1)
			got := releaseProblems([]byte(broken), ci)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("releaseProblems = %q; want one containing %q", got, tt.want)
			}
		})
	}
}

// releaseScript is the run script of the release job's step that pushes.
func releaseScript(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]releaseJob `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, name := range sortedKeys(wf.Jobs) {
		for _, s := range wf.Jobs[name].Steps {
			if strings.Contains(s.Run, "git push") {
				scripts = append(scripts, s.Run)
			}
		}
	}
	if len(scripts) != 1 {
		t.Fatalf("release.yml: %d steps run git push, want 1", len(scripts))
	}
	return scripts[0]
}

// TestActionReleaseTags runs the release job's commit-and-tag script, as
// the runner's bash does, in a checkout of the tag from a real remote: the
// tag ends on a commit that changes action.yml alone, on top of the tagged
// one; a release moves its major tag there too, a prerelease does not; no
// branch moves.
func TestActionReleaseTags(t *testing.T) {
	t.Parallel()
	tftest.Long(t)
	script := releaseScript(t)
	src, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	image, err := actionimage.Ref("ghcr.io/myorg/drift-action", "sha256:"+strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := actionimage.Pin(src, image)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tag      string
		wantMajorMoved bool
	}{
		{"release", "v1.2.3", true},
		{"prerelease", "v1.3.0-rc.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "TAG="+tt.tag,
				"GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com")
			run := func(wd string, args ...string) string {
				t.Helper()
				cmd := exec.Command(args[0], args[1:]...)
				cmd.Dir, cmd.Env = wd, env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return strings.TrimSpace(string(out))
			}
			remote, work := filepath.Join(dir, "remote.git"), filepath.Join(dir, "work")
			run(dir, "git", "init", "--quiet", "--bare", "--initial-branch=main", remote)
			run(dir, "git", "init", "--quiet", "--initial-branch=main", work)
			write := func(name, text string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(work, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("action.yml", "name: older\n")
			run(work, "git", "add", "-A")
			run(work, "git", "commit", "--quiet", "-m", "v1.0.0")
			run(work, "git", "tag", "v1")
			old := run(work, "git", "rev-parse", "HEAD")
			write("action.yml", string(src))
			write("README.md", "readme\n")
			run(work, "git", "add", "-A")
			run(work, "git", "commit", "--quiet", "-m", "source")
			run(work, "git", "tag", "--annotate", tt.tag, "-m", tt.tag)
			source := run(work, "git", "rev-parse", "HEAD")
			run(work, "git", "push", "--quiet", remote, "main", "v1", tt.tag)

			// What actions/checkout leaves: the tag's commit, detached.
			co := filepath.Join(dir, "checkout")
			run(dir, "git", "clone", "--quiet", remote, co)
			run(co, "git", "checkout", "--quiet", "--detach", tt.tag)
			if err := os.WriteFile(filepath.Join(co, "action.yml"), pinned, 0o644); err != nil {
				t.Fatal(err)
			}
			run(co, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)

			released := run(remote, "git", "rev-parse", tt.tag+"^{commit}")
			wantMajor := old
			if tt.wantMajorMoved {
				wantMajor = released
			}
			got := map[string]string{
				"parent of the released commit": run(remote, "git", "rev-parse", released+"^"),
				"files it changes":              run(remote, "git", "diff", "--name-only", released+"^", released),
				"its action.yml":                run(remote, "git", "show", released+":action.yml"),
				"v1":                            run(remote, "git", "rev-parse", "v1^{commit}"),
				"main":                          run(remote, "git", "rev-parse", "main"),
				"tag type":                      run(remote, "git", "cat-file", "-t", tt.tag),
			}
			want := map[string]string{
				"parent of the released commit": source,
				"files it changes":              "action.yml",
				"its action.yml":                strings.TrimSpace(string(pinned)),
				"v1":                            wantMajor,
				"main":                          source,
				"tag type":                      "tag",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("remote after the release script (-want +got):\n%s", diff)
			}
		})
	}
}
