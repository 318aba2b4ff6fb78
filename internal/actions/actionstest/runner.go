// Package actionstest reads a log the way the GitHub Actions runner does and
// reports which workflow commands it would execute, so tests can prove that
// no text the program did not mean as a command is executed as one.
package actionstest

import (
	"strings"
)

// Command is one workflow command the runner would execute.
type Command struct {
	Name  string
	Props map[string]string
	Data  string
	Line  int // 1-based line of the log
}

// Execute follows the runner's rules: a line whose first non-blank
// characters are "::" is a command, "##[name ...]" anywhere in a line is a
// legacy one, and after ::stop-commands::TOKEN nothing is a command until a
// line that is exactly ::TOKEN::.
func Execute(log string) []Command {
	var out []Command
	stopToken := ""
	for i, line := range strings.Split(log, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if stopToken != "" {
			if strings.TrimSpace(line) == "::"+stopToken+"::" {
				stopToken = ""
			}
			continue
		}
		if c, ok := parseV2(line); ok {
			c.Line = i + 1
			out = append(out, c)
			if c.Name == "stop-commands" && c.Data != "" {
				stopToken = c.Data
			}
			continue
		}
		if c, ok := parseLegacy(line); ok {
			c.Line = i + 1
			out = append(out, c)
		}
	}
	return out
}

func parseV2(line string) (Command, bool) {
	s := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(s, "::") {
		return Command{}, false
	}
	end := strings.Index(s[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	info := s[2 : 2+end]
	data := s[2+end+2:]
	name, props, _ := strings.Cut(info, " ")
	if name == "" {
		return Command{}, false
	}
	c := Command{Name: name, Data: unescape(data, false), Props: map[string]string{}}
	for _, kv := range strings.Split(props, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			c.Props[k] = unescape(v, true)
		}
	}
	return c, true
}

func parseLegacy(line string) (Command, bool) {
	i := strings.Index(strings.ToLower(line), "##[")
	if i < 0 {
		return Command{}, false
	}
	rest := line[i+3:]
	end := strings.Index(rest, "]")
	if end < 0 {
		return Command{}, false
	}
	name, _, _ := strings.Cut(rest[:end], " ")
	if name == "" {
		return Command{}, false
	}
	return Command{Name: name, Data: rest[end+1:], Props: map[string]string{}}, true
}

func unescape(s string, prop bool) string {
	r := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
	if !prop {
		r = strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%")
	}
	return r.Replace(s)
}
