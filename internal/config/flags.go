package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// HelpError is returned when the user asked for a command's usage (-h,
// --help). Usage is the text to print; the caller prints it on stdout and
// exits 0. It matches ErrHelp with errors.Is.
type HelpError struct{ Usage string }

func (e *HelpError) Error() string        { return "help requested" }
func (e *HelpError) Is(target error) bool { return target == flag.ErrHelp }

// Command describes one command's flags for parsing and for its help.
type Command struct {
	Flags *flag.FlagSet
	// Header is the usage text above the flag list: a usage line, what the
	// command does and its exit codes, ending with a newline.
	Header string
}

// Usage is the command's help: the header, then its flags.
func (c Command) Usage() string {
	var b strings.Builder
	b.WriteString(c.Header)
	n := 0
	c.Flags.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\nflags:\n")
		c.Flags.VisitAll(func(f *flag.Flag) {
			placeholder, text := flag.UnquoteUsage(f)
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			fmt.Fprintf(&b, "  %s%s", dash, f.Name)
			if placeholder != "" {
				fmt.Fprintf(&b, " %s", placeholder)
			}
			fmt.Fprintf(&b, "\n        %s", text)
			if _, described := describedDefault(f); !described && !zeroDefault(f) {
				fmt.Fprintf(&b, " (default %s)", FlagDefault(f))
			}
			b.WriteString("\n")
		})
	}
	return b.String()
}

// FlagDefault is a flag's default as its help shows it: the "(default: ...)"
// its usage spells out (for defaults that depend on the machine or the
// config file), else its default value, durations in their short form (30m,
// not 30m0s).
func FlagDefault(f *flag.Flag) string {
	if d, ok := describedDefault(f); ok {
		return d
	}
	if d, err := time.ParseDuration(f.DefValue); err == nil && isDurationFlag(f) {
		return shortDuration(d)
	}
	return f.DefValue
}

func describedDefault(f *flag.Flag) (string, bool) {
	_, text := flag.UnquoteUsage(f)
	_, rest, ok := strings.Cut(text, "(default: ")
	if !ok {
		return "", false
	}
	d, _, ok := strings.Cut(rest, ")")
	return d, ok
}

func isDurationFlag(f *flag.Flag) bool {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	_, ok = g.Get().(time.Duration)
	return ok
}

func zeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// shortDuration drops the zero units time.Duration.String keeps: 30m, 1h, 1m30s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Parse reads args into the command's flags and returns the positional
// arguments. Flags may come before, between and after positionals
// (`detect infra/app --format json`); "--" ends the flags, everything after
// it is positional.
//
// -h or --help returns a *HelpError carrying the usage. A malformed command
// line prints the usage to usage (stderr) and returns an error naming the
// command and the flag.
func (c Command) Parse(args []string, usage io.Writer) ([]string, error) {
	fset := c.Flags
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}
	var pos []string
	for {
		err := fset.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, &HelpError{Usage: c.Usage()}
		}
		if err != nil {
			fmt.Fprint(usage, c.Usage())
			return nil, fmt.Errorf("%s: %s (the flags are listed above)", fset.Name(), dashes(explainParseError(fset, err.Error())))
		}
		rest := fset.Args()
		if consumed := args[:len(args)-len(rest)]; endedByDashes(fset, consumed) {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// endedByDashes says whether the flag package stopped at a "--" that ends
// the flags, rather than at one given as a flag's value (--terraform --).
func endedByDashes(fset *flag.FlagSet, consumed []string) bool {
	n := len(consumed)
	return n > 0 && consumed[n-1] == "--" && !isValue(fset, consumed, n-1)
}

// isValue says whether args[i] is the value of the flag before it.
func isValue(fset *flag.FlagSet, args []string, i int) bool {
	if i == 0 {
		return false
	}
	prev := args[i-1]
	if prev == "--" || !strings.HasPrefix(prev, "-") || strings.Contains(prev, "=") {
		return false
	}
	f := fset.Lookup(strings.TrimLeft(prev, "-"))
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return !isValue(fset, args, i-1)
}

// dashes writes flags in the flag package's messages as --name, as the help
// and the README do.
// explainParseError replaces the flag package's bare "parse error" with
// what the flag takes: `--timeout 5` gets "not a duration: ...".
func explainParseError(fset *flag.FlagSet, msg string) string {
	head, ok := strings.CutSuffix(msg, ": parse error")
	if !ok {
		return msg
	}
	_, name, ok := strings.Cut(head, " for flag -")
	if !ok {
		_, name, ok = strings.Cut(head, " for -")
	}
	f := fset.Lookup(name)
	if !ok || f == nil {
		return msg
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return msg
	}
	switch g.Get().(type) {
	case time.Duration:
		return head + ": not a duration: give a number and its unit, such as 30s, 5m or 1h"
	case int, int64, uint, uint64:
		return head + ": not a whole number"
	case bool:
		return head + ": not true or false"
	}
	return msg
}

func dashes(msg string) string {
	for _, p := range []string{"defined: -", "argument: -", "for flag -", "for -"} {
		msg = strings.Replace(msg, p, p+"-", 1)
	}
	return msg
}
