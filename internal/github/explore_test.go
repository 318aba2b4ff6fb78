package github

import (
	"strings"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	start := time.Now()
	parts := Split(strings.Repeat("x", 2_000_000)+"\n"+strings.Repeat("| a |\n", 200000), 256)
	t.Logf("%d parts in %v", len(parts), time.Since(start))
	start = time.Now()
	parts = Split(strings.Repeat("<details>\n", 100000)+strings.Repeat("```\n", 100000), 1000)
	t.Logf("%d parts in %v", len(parts), time.Since(start))
	start = time.Now()
	parts = Split(strings.Repeat("word ", 2_000_000), 0)
	t.Logf("%d parts in %v", len(parts), time.Since(start))
}
