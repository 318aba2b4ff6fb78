package report

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// Window says what a scheduled run spread over a schedule window checked:
// its slot, the targets due in it, and when each other target is due. It
// describes the whole run, also in each matrix shard's result.
type Window struct {
	Length  string         `json:"length"` // schedule-window, as drift.yaml writes it: 6h
	Every   string         `json:"every"`  // schedule-every: 1h
	Slot    int            `json:"slot"`   // 1-based, of Slots
	Slots   int            `json:"slots"`
	Start   time.Time      `json:"start"`   // when this run's slot began
	Planned []WindowTarget `json:"planned"` // due now: this run's targets
	Later   []WindowTarget `json:"later"`   // not due now, the soonest first
}

// WindowTarget is a target of the window and when its slot starts: this
// run's slot for a planned target, its next one for a target not due now.
type WindowTarget struct {
	Root   string    `json:"root"`
	Target string    `json:"target"`
	Due    time.Time `json:"due"`
}

// dueFormat is how the summary shows a slot's time: minutes are the
// schedule's finest step.
const dueFormat = "2006-01-02 15:04 UTC"

// windowLine is the one line a reader needs: the window, this slot and
// how many targets are due now and later.
func windowLine(w *Window) string {
	return fmt.Sprintf("**Schedule window:** every target once per %s, a slot every %s · slot %d of %d, from %s · %d target(s) due now · %d later",
		cell(w.Length), cell(w.Every), w.Slot, w.Slots, w.Start.UTC().Format(dueFormat), len(w.Planned), len(w.Later))
}

// markdownWindow writes the window line, then the targets not due now
// folded away, one row per slot (a few rows, however many targets).
func markdownWindow(bw *bufio.Writer, w *Window) {
	if w == nil {
		return
	}
	fmt.Fprintf(bw, "\n\n%s", windowLine(w))
	if len(w.Later) == 0 {
		return
	}
	fmt.Fprintf(bw, "\n\n<details><summary>Not due now: %d target(s), by when each is next due</summary>\n\n| next due | count | targets |\n| --- | ---: | --- |\n", len(w.Later))
	for i := 0; i < len(w.Later); {
		j := i
		var names []string
		for ; j < len(w.Later) && w.Later[j].Due.Equal(w.Later[i].Due); j++ {
			names = append(names, windowName(w.Later[j]))
		}
		fmt.Fprintf(bw, "| %s | %d | %s |\n", w.Later[i].Due.UTC().Format(dueFormat), j-i, strings.Join(names, " · "))
		i = j
	}
	bw.WriteString("\n</details>")
}

// windowName is a target as the list of those not due shows it: its root,
// and its name unless it is the root's only, default one.
func windowName(t WindowTarget) string {
	if t.Target == "default" {
		return code(t.Root)
	}
	return code(t.Root) + " (" + cell(t.Target) + ")"
}
