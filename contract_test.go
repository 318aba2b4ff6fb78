package main

// Contract tests for the files that make this repository a GitHub Action:
// action.yml against the inputs and outputs the Go code reads and writes,
// the Dockerfile against what GitHub needs from a container action, and the
// workflows (this repository's and the examples users copy) against
// action.yml.

import (
	"bytes"
	"encoding/json"
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
	"github.com/myorg/drift-action/internal/config"
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
	meta, root := readAction(t)

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
		{"runs.image", "Dockerfile", meta.Runs.Image},
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
	if diff := cmp.Diff([]string{"drift-dispatch.yml", "drift-matrix.yml", "drift-pull-request.yml", "drift-record.yml", "drift-remediate.yml", "drift-schedule.yml"}, examples); diff != "" {
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
