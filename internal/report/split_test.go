package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// line is a line of exactly n runes, starting with label.
func line(label string, n int) string {
	if n < utf8.RuneCountInString(label) {
		panic("label longer than line")
	}
	return label + strings.Repeat(".", n-utf8.RuneCountInString(label))
}

func join(lines ...string) string { return strings.Join(lines, "\n") }

// repeat returns n lines made by f(i).
func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func cat(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func note(i, n int) string { return fmt.Sprintf("_(continued, part %d of %d)_", i, n) }

// fenceLineRE and fenceOpenAtEnd re-implement fence tracking (CommonMark
// fenced code blocks) independently of split.go, to check its output.
var fenceLineRE = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")

func fenceOpenAtEnd(md string) bool {
	var ch byte
	n := 0 // length of the open fence's run; 0 when outside a fence
	for _, l := range strings.Split(md, "\n") {
		m := fenceLineRE.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil {
			continue
		}
		run, rest := m[1], m[2]
		switch {
		case n == 0 && !(run[0] == '`' && strings.Contains(rest, "`")):
			ch, n = run[0], len(run)
		case n > 0 && run[0] == ch && len(run) >= n && strings.Trim(rest, " \t") == "":
			n = 0
		}
	}
	return n > 0
}

// reconstruct puts the input back together from split parts, leaving out
// the lines SplitMarkdown added and joining lines it cut.
func reconstruct(parts [][]outLine) string {
	var b strings.Builder
	first, join := true, false
	for _, p := range parts {
		for _, l := range p {
			if l.synthetic {
				continue
			}
			if !first && !join {
				b.WriteByte('\n')
			}
			b.WriteString(l.text)
			first, join = false, l.joinNext
		}
	}
	return b.String()
}

// checkSplit checks what must hold for every SplitMarkdown result.
func checkSplit(t *testing.T, markdown string, limit int, parts []string) {
	t.Helper()
	if limit <= 0 {
		if diff := cmp.Diff([]string{markdown}, parts); diff != "" {
			t.Errorf("a limit <= 0 cut the body (-want +got):\n%s", diff)
		}
		return
	}
	limit = max(limit, MinSplitLimit)
	if len(parts) == 0 {
		t.Fatalf("no parts")
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > limit {
			t.Errorf("part %d has %d runes, limit %d", i+1, n, limit)
		}
		if i < len(parts)-1 && fenceOpenAtEnd(p) {
			t.Errorf("part %d ends inside an open code fence:\n%s", i+1, p)
		}
		if i > 0 && !strings.HasPrefix(p, note(i+1, len(parts))+"\n\n") {
			t.Errorf("part %d does not start with the continuation note: %.80q", i+1, p)
		}
	}
	if !fenceOpenAtEnd(markdown) && fenceOpenAtEnd(parts[len(parts)-1]) {
		t.Errorf("the last part ends inside a code fence, the input does not")
	}
	if len(parts) == 1 {
		if parts[0] != markdown {
			t.Errorf("single part differs from the input")
		}
		return
	}
	// Every input line is in the output, in order.
	out := strings.Split(strings.Join(parts, "\n"), "\n")
	j := 0
	for i, l := range strings.Split(markdown, "\n") {
		if utf8.RuneCountInString(l) > limit/2 {
			continue // may have been cut
		}
		for j < len(out) && out[j] != l {
			j++
		}
		if j == len(out) {
			t.Errorf("input line %d %.60q is missing from the output (or out of order)", i+1, l)
			break
		}
		j++
	}
	// Exactly: leaving out what SplitMarkdown added gives back the input.
	if got := reconstruct(splitParts(markdown, limit)); got != markdown {
		t.Errorf("round trip differs (-want +got):\n%s", cmp.Diff(markdown, got))
	}
}

func TestSplitMarkdown(t *testing.T) {
	t.Parallel()
	para := repeat(5, func(i int) string { return line(fmt.Sprintf("paragraph %d ", i), 45) }) // 230 of 257
	table := []string{"| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |", "| 5 | 6 |"}         // 50
	fence := []string{"```hcl", `a = 1`, `b = 2`, "```"}                                       // 26
	details := cat([]string{"<details><summary>Plan</summary>", ""}, table, []string{"", "</details>"})
	bigTable := cat(table[:2], repeat(40, func(i int) string { return line(fmt.Sprintf("| %d |", i), 30) }))
	bigFence := cat([]string{"~~~~diff"}, repeat(30, func(i int) string { return line(fmt.Sprintf("+ %d", i), 25) }), []string{"~~~~"})
	bigDetails := cat([]string{"<details open>", "<summary>Drift in <code>infra/app</code></summary>", ""},
		repeat(20, func(i int) string { return line(fmt.Sprintf("- change %d", i), 30) }),
		[]string{"</details>"})

	tests := []struct {
		name     string
		markdown string
		limit    int
		want     []string // nil: only the general checks
		check    func(t *testing.T, parts []string)
	}{
		{
			name:     "fits unchanged",
			markdown: line("x", 256),
			limit:    256,
			want:     []string{line("x", 256)},
		},
		{
			name:     "empty",
			markdown: "",
			limit:    256,
			want:     []string{""},
		},
		{
			name:     "zero limit leaves the body whole",
			markdown: strings.Repeat(line("y", 99)+"\n", 1000), // 100,000 runes
			limit:    0,
			want:     []string{strings.Repeat(line("y", 99)+"\n", 1000)},
		},
		{
			name:     "small limits are raised to the minimum",
			markdown: join(repeat(10, func(i int) string { return line("z", 99) })...),
			limit:    10,
			check: func(t *testing.T, parts []string) {
				if len(parts) != 5 { // two 100-rune lines per 256-rune part
					t.Errorf("got %d parts, want 5", len(parts))
				}
			},
		},
		{
			name:     "paragraph lines fill parts",
			markdown: join(cat(para, para)...),
			limit:    256,
			want: []string{
				join(para...),
				join(cat([]string{note(2, 3), ""}, para[:4])...),
				join(note(3, 3), "", para[4]),
			},
			check: func(t *testing.T, parts []string) {
				for _, p := range parts {
					for _, l := range strings.Split(p, "\n") {
						if strings.HasPrefix(l, "paragraph") && utf8.RuneCountInString(l) != 45 {
							t.Errorf("line cut: %q", l)
						}
					}
				}
			},
		},
		{
			name:     "a table that fits a part is not cut",
			markdown: join(cat(para, table, []string{"after"})...),
			limit:    256,
			want: []string{
				join(para...),
				join(cat([]string{note(2, 2), ""}, table, []string{"after"})...),
			},
		},
		{
			name:     "a fence that fits a part is not cut",
			markdown: join(cat(para, []string{"text before it"}, fence)...),
			limit:    256,
			want: []string{
				join(cat(para, []string{"text before it"})...),
				join(cat([]string{note(2, 2), ""}, fence)...),
			},
		},
		{
			name:     "a details block that fits a part is not cut",
			markdown: join(cat(para[:4], details, []string{"", "The end."})...),
			limit:    256,
			want: []string{
				join(para[:4]...),
				join(cat([]string{note(2, 2), ""}, details, []string{"", "The end."})...),
			},
		},
		{
			name:     "a giant table is cut between rows with its header repeated",
			markdown: join(cat([]string{"## Drift"}, bigTable, []string{"", "done"})...),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if len(parts) < 4 {
					t.Fatalf("got %d parts, want at least 4", len(parts))
				}
				var rows []string
				for i, p := range parts {
					lines := strings.Split(p, "\n")
					if i == 0 {
						if diff := cmp.Diff(cat([]string{"## Drift"}, table[:2]), lines[:3]); diff != "" {
							t.Errorf("part 1 start (-want +got):\n%s", diff)
						}
						lines = lines[3:]
					} else {
						if diff := cmp.Diff(cat([]string{note(i+1, len(parts)), ""}, table[:2]), lines[:4]); diff != "" && i < len(parts)-1 {
							t.Errorf("part %d start (-want +got):\n%s", i+1, diff)
						}
						lines = lines[4:]
					}
					for _, l := range lines {
						if strings.HasPrefix(l, "| ") && l != table[0] {
							rows = append(rows, l)
						}
					}
				}
				if diff := cmp.Diff(bigTable[2:], rows); diff != "" {
					t.Errorf("rows (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:     "a giant fence is closed and reopened",
			markdown: join(cat([]string{"Plan:"}, bigFence, []string{"after"})...),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if len(parts) < 3 {
					t.Fatalf("got %d parts, want at least 3", len(parts))
				}
				for i, p := range parts {
					lines := strings.Split(p, "\n")
					if i > 0 && lines[2] != "~~~~diff" {
						t.Errorf("part %d does not reopen the fence: %q", i+1, lines[:3])
					}
					if i < len(parts)-1 && lines[len(lines)-1] != "~~~~" {
						t.Errorf("part %d does not close the fence: %q", i+1, lines[len(lines)-1])
					}
				}
			},
		},
		{
			name:     "a giant details block is closed and reopened",
			markdown: join(cat([]string{"intro"}, bigDetails, []string{"after"})...),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if len(parts) < 3 {
					t.Fatalf("got %d parts, want at least 3", len(parts))
				}
				for i, p := range parts {
					if i > 0 && !strings.HasPrefix(p, join(note(i+1, len(parts)), "", bigDetails[0], bigDetails[1], "")+"\n") {
						t.Errorf("part %d does not reopen <details>: %.120q", i+1, p)
					}
					if i < len(parts)-1 && !strings.HasSuffix(p, "\n\n</details>") {
						t.Errorf("part %d does not close <details>: %q", i+1, p[max(0, len(p)-40):])
					}
					if got := strings.Count(p, "<details"); got != strings.Count(p, "</details>") {
						t.Errorf("part %d has %d <details> and %d </details>", i+1, got, strings.Count(p, "</details>"))
					}
				}
			},
		},
		{
			name: "a giant fence inside a giant details block",
			markdown: join(cat([]string{"<details><summary>Plan</summary>", ""}, bigFence, bigTable,
				[]string{"", "</details>"})...),
			limit: 300,
			check: func(t *testing.T, parts []string) {
				for i, p := range parts[:len(parts)-1] {
					if !strings.HasSuffix(p, "\n\n</details>") {
						t.Errorf("part %d does not close <details>: %q", i+1, p[max(0, len(p)-40):])
					}
				}
			},
		},
		{
			name:     "runes are counted, not bytes",
			markdown: strings.Repeat("ü", 256),
			limit:    256,
			want:     []string{strings.Repeat("ü", 256)},
		},
		{
			name:     "multi-byte lines are packed by runes",
			markdown: join(repeat(9, func(int) string { return strings.Repeat("日本語", 20) })...), // 60 runes, 180 bytes
			limit:    256,
			want: []string{
				join(repeat(4, func(int) string { return strings.Repeat("日本語", 20) })...),
				join(cat([]string{note(2, 3), ""}, repeat(3, func(int) string { return strings.Repeat("日本語", 20) }))...),
				join(cat([]string{note(3, 3), ""}, repeat(2, func(int) string { return strings.Repeat("日本語", 20) }))...),
			},
		},
		{
			name:     "a line longer than a part is cut as a last resort",
			markdown: join("short", strings.Repeat("🙂", 1000), "tail"),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if len(parts) != 5 {
					t.Errorf("got %d parts, want 5", len(parts))
				}
			},
		},
		{
			name:     "a run of backticks longer than a part is cut without flooding parts",
			markdown: join("```", strings.Repeat("`", 20000), "text"),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if len(parts) > 2*20000/256+2 {
					t.Errorf("got %d parts", len(parts))
				}
			},
		},
		{
			name:     "deeply nested details blocks",
			markdown: strings.Repeat("<details>\n<summary>s</summary>\n\n- item\n", 40) + strings.Repeat("</details>\n", 40),
			limit:    256,
		},
		{
			name:     "a fence left open by the input stays open at the end",
			markdown: join(cat(para, para, []string{"```"}, para)...),
			limit:    256,
			check: func(t *testing.T, parts []string) {
				if !fenceOpenAtEnd(parts[len(parts)-1]) {
					t.Errorf("the last part closes the fence the input left open")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parts := SplitMarkdown(tt.markdown, tt.limit)
			checkSplit(t, tt.markdown, tt.limit, parts)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, parts); diff != "" {
					t.Errorf("SplitMarkdown (-want +got):\n%s", diff)
				}
			}
			if tt.check != nil {
				tt.check(t, parts)
			}
		})
	}
}

func FuzzSplitMarkdown(f *testing.F) {
	seeds := []string{
		"",
		"plain text",
		"| a | b |\n|---|---|\n| 1 | 2 |\n",
		"```hcl\nresource \"x\" \"y\" {}\n```\n",
		"<details><summary>s</summary>\n\n| a |\n|---|\n| 1 |\n\n</details>\n",
		"````\n```\nnested\n```\n````\n",
		"~~~\nunclosed",
		strings.Repeat("| row | with | cells |\n", 50),
		"```go\n" + strings.Repeat("fmt.Println(\"hello, 世界\")\n", 40) + "```\n",
		strings.Repeat("<details>\n<summary>x</summary>\n\n```\ncode\n```\n", 10) + strings.Repeat("</details>\n", 10),
		strings.Repeat("`", 300) + "\n" + strings.Repeat("x", 500) + "\n" + strings.Repeat("`", 300),
	}
	for i, s := range seeds {
		f.Add(s, uint16(i*97))
	}
	f.Fuzz(func(t *testing.T, markdown string, l uint16) {
		limit := MinSplitLimit + int(l%1024)
		parts := SplitMarkdown(markdown, limit)
		for i, p := range parts {
			if n := utf8.RuneCountInString(p); n > limit {
				t.Fatalf("part %d has %d runes, limit %d", i+1, n, limit)
			}
			if i < len(parts)-1 && fenceOpenAtEnd(p) {
				t.Fatalf("part %d of %d ends inside an open fence:\n%s", i+1, len(parts), p)
			}
		}
		if !fenceOpenAtEnd(markdown) && fenceOpenAtEnd(parts[len(parts)-1]) {
			t.Fatalf("the last part ends inside a fence, the input does not")
		}
		if len(parts) > 1 {
			if got := reconstruct(splitParts(markdown, limit)); got != markdown {
				t.Fatalf("round trip differs (-want +got):\n%s", cmp.Diff(markdown, got))
			}
		}
	})
}
