package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// MinSplitLimit is the smallest limit SplitMarkdown works with; smaller positive
	// limits are raised to it.
	MinSplitLimit = 256

	continuedFormat = "_(continued, part %d of %d)_"
)

// SplitMarkdown cuts a markdown body into parts of at most limit characters
// (runes, as GitHub and Slack count them), for destinations that take a
// bounded body per message, such as GitHub comments. A limit <= 0 leaves the
// body whole; a positive limit below [MinSplitLimit] is raised to it. A body
// that fits is returned unchanged as the only part.
//
// Cuts fall between lines, and never inside a table (consecutive lines
// starting with "|"), a ``` or ~~~ fenced block or a <details> … </details>
// block when the block fits in a part of its own. A block that alone is
// too big is cut anyway: a table between rows, with its header (the first
// two lines) repeated at the top of the next part; a fence or <details> is
// closed at the end of the part and reopened in the next one. Every part
// after the first starts with a line like "_(continued, part 2 of 3)_".
// A single line longer than a part is cut mid-line as a last resort.
//
// Only top-level fences count: fences inside list items or block quotes are
// treated as ordinary lines.
func SplitMarkdown(markdown string, limit int) []string {
	if limit <= 0 {
		return []string{markdown}
	}
	limit = max(limit, MinSplitLimit)
	if utf8.RuneCountInString(markdown) <= limit {
		return []string{markdown}
	}
	parts := splitParts(markdown, limit)
	out := make([]string, len(parts))
	for i, p := range parts {
		lines := make([]string, len(p))
		for j, l := range p {
			lines[j] = l.text
		}
		out[i] = strings.Join(lines, "\n")
	}
	return out
}

// outLine is one line of a part.
type outLine struct {
	text      string
	synthetic bool // added by SplitMarkdown: continuation note, repeated header, reopened or closed block
	joinNext  bool // cut mid-line: this piece and the next one were one input line
	note      bool // the continuation note, filled in once the number of parts is known
}

// splitParts does the work of SplitMarkdown for a body that does not fit in limit.
// It packs assuming part numbers of w digits and retries with more digits
// if there turn out to be more parts than that.
func splitParts(markdown string, limit int) [][]outLine {
	lines := strings.Split(markdown, "\n")
	blocks, _ := parseBlocks(lines, 0, 0)
	endsInFence := fenceStateAfter(lines) != nil
	for w := 1; ; w++ {
		p := &packer{
			capacity:    limit + 1,
			noteCost:    noteCost(w),
			endsInFence: endsInFence,
		}
		for _, b := range blocks {
			p.place(b)
		}
		p.finish()
		n := len(p.parts)
		if len(strconv.Itoa(n)) > w {
			continue
		}
		for i, part := range p.parts {
			for j := range part {
				if part[j].note {
					part[j].text = fmt.Sprintf(continuedFormat, i+1, n)
				}
			}
		}
		return p.parts
	}
}

// noteCost is the cost of the continuation note line with w-digit numbers.
func noteCost(w int) int {
	n := strings.Repeat("9", w)
	return utf8.RuneCountInString(fmt.Sprintf("_(continued, part %s of %s)_", n, n)) + 1
}

// cost is what a line adds to a part: its runes and a newline. A part of
// lines costing c in total has c-1 runes, so parts are packed to limit+1.
func cost(line string) int { return utf8.RuneCountInString(line) + 1 }

// longerThan reports whether s has more than n runes, looking at no more
// than n+1 of them.
func longerThan(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	for range s {
		if n < 0 {
			return true
		}
		n--
	}
	return n < 0
}

func costAll(lines []string) int {
	n := 0
	for _, l := range lines {
		n += cost(l)
	}
	return n
}

// ---- parsing ----

type blockKind int

const (
	kindLine blockKind = iota
	kindTable
	kindFence
	kindDetails
)

// block is a unit that SplitMarkdown keeps in one part when it can.
type block struct {
	kind      blockKind
	lines     []string // kindLine: one line; kindTable: rows; kindFence: opener … closer
	header    []string // kindDetails: the <details> (and <summary>) lines
	children  []*block // kindDetails
	closer    string   // kindDetails: the </details> line
	hasCloser bool
	cost      int
}

func (b *block) appendLines(dst []string) []string {
	if b.kind != kindDetails {
		return append(dst, b.lines...)
	}
	dst = append(dst, b.header...)
	for _, c := range b.children {
		dst = c.appendLines(dst)
	}
	if b.hasCloser {
		dst = append(dst, b.closer)
	}
	return dst
}

func (b *block) firstLine() string {
	if b.kind == kindDetails {
		return b.header[0]
	}
	return b.lines[0]
}

// maxDetailsDepth bounds <details> nesting; deeper ones are ordinary lines.
const maxDetailsDepth = 16

// parseBlocks parses lines from i until the end or, inside a <details>
// (depth > 0), until the line that closes it, whose index it returns.
func parseBlocks(lines []string, i int, depth int) ([]*block, int) {
	var blocks []*block
	for i < len(lines) {
		l := lines[i]
		if f := openFence(l); f != nil {
			j := i + 1
			for j < len(lines) && !f.closedBy(lines[j]) {
				j++
			}
			end := min(j+1, len(lines))
			blocks = append(blocks, &block{kind: kindFence, lines: lines[i:end], cost: costAll(lines[i:end])})
			i = end
			continue
		}
		if isTableRow(l) {
			j := i + 1
			for j < len(lines) && isTableRow(lines[j]) {
				j++
			}
			blocks = append(blocks, &block{kind: kindTable, lines: lines[i:j], cost: costAll(lines[i:j])})
			i = j
			continue
		}
		switch d := detailsDelta(l); {
		case d > 0 && depth < maxDetailsDepth:
			h := detailsHeaderEnd(lines, i)
			b := &block{kind: kindDetails, header: lines[i:h], cost: costAll(lines[i:h])}
			var j int
			b.children, j = parseBlocks(lines, h, depth+1)
			for _, c := range b.children {
				b.cost += c.cost
			}
			if j < len(lines) {
				b.closer, b.hasCloser = lines[j], true
				b.cost += cost(lines[j])
				j++
			}
			blocks = append(blocks, b)
			i = j
			continue
		case d < 0 && depth > 0:
			return blocks, i
		}
		blocks = append(blocks, &block{kind: kindLine, lines: lines[i : i+1], cost: cost(l)})
		i++
	}
	return blocks, i
}

// fence is an open fenced code block.
type fence struct {
	char   byte
	n      int    // length of the opening run
	opener string // the opening line
}

// openFence reports the fence that line opens (CommonMark: up to three
// spaces, then at least three backticks or tildes; a backtick fence's info
// string has no backtick), or nil.
func openFence(line string) *fence {
	s := strings.TrimRight(line, "\r")
	indent := len(s) - len(strings.TrimLeft(s, " "))
	if indent > 3 {
		return nil
	}
	s = s[indent:]
	if s == "" || (s[0] != '`' && s[0] != '~') {
		return nil
	}
	ch := s[0]
	n := len(s) - len(strings.TrimLeft(s, string(ch)))
	if n < 3 {
		return nil
	}
	if ch == '`' && strings.Contains(s[n:], "`") {
		return nil
	}
	return &fence{char: ch, n: n, opener: line}
}

// closedBy reports whether line closes f: up to three spaces, a run of the
// same character at least as long as the opening one, then only spaces.
func (f *fence) closedBy(line string) bool {
	s := strings.TrimRight(line, " \t\r")
	indent := len(s) - len(strings.TrimLeft(s, " "))
	if indent > 3 {
		return false
	}
	s = s[indent:]
	return len(s) >= f.n && strings.Trim(s, string(f.char)) == ""
}

// closingLine is the line SplitMarkdown adds to close f at the end of a part.
func (f *fence) closingLine() string { return strings.Repeat(string(f.char), f.n) }

// next is the fence state after line, starting from f (nil: outside fences).
func (f *fence) next(line string) *fence {
	if f == nil {
		return openFence(line)
	}
	if f.closedBy(line) {
		return nil
	}
	return f
}

// closeCost is what closing f at the end of a part costs (0 if f is nil).
func (f *fence) closeCost() int {
	if f == nil {
		return 0
	}
	return f.n + 1
}

// fenceStateAfter is the fence left open at the end of lines, if any.
func fenceStateAfter(lines []string) *fence {
	var f *fence
	for _, l := range lines {
		f = f.next(l)
	}
	return f
}

func isTableRow(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), "|")
}

// isDelimiterRow reports whether line is a table's |---|:---:| row.
func isDelimiterRow(line string) bool {
	t := strings.TrimSpace(line)
	return strings.Contains(t, "-") && strings.Trim(t, "|:- \t") == ""
}

// detailsDelta is the number of <details> a line opens minus those it closes.
func detailsDelta(line string) int {
	lower := strings.ToLower(line)
	opens := 0
	for s := lower; ; {
		i := strings.Index(s, "<details")
		if i < 0 {
			break
		}
		s = s[i+len("<details"):]
		if s == "" || s[0] == '>' || s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '/' {
			opens++
		}
	}
	return opens - strings.Count(lower, "</details")
}

// detailsHeaderEnd returns the index after a <details> opener at i and its
// <summary> … </summary> lines, if they follow on their own lines.
func detailsHeaderEnd(lines []string, i int) int {
	if strings.Contains(strings.ToLower(lines[i]), "</summary>") || i+1 >= len(lines) {
		return i + 1
	}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(lines[i+1])), "<summary") {
		return i + 1
	}
	for j := i + 1; j < len(lines) && j < i+6; j++ {
		if strings.Contains(strings.ToLower(lines[j]), "</summary>") {
			return j + 1
		}
	}
	return i + 1
}

// ---- packing ----

// frame is an open table or <details> that a part break must close and the
// next part must reopen.
type frame struct {
	reopen     []string // lines repeated at the top of the next part
	closing    []string // lines that close it at the bottom of a part
	closeCost  int      // room reserved to close it: max(closing, the real closer)
	reopenCost int
}

// packer fills parts greedily. Invariant: used + the cost of closing every
// open frame and the open fence <= capacity, so a part can always be closed.
type packer struct {
	capacity    int // limit + 1, see cost
	noteCost    int
	endsInFence bool // the input ends inside an open fence (left open, as given)

	parts   [][]outLine
	cur     []outLine
	used    int
	content int // input lines in cur

	frames      []*frame
	framesClose int
	framesOpen  int

	fence *fence // open fence in the part being built, as a reader would see it
}

func (p *packer) fresh() bool { return p.content == 0 }

// reserved is the room kept for closing what is open.
func (p *packer) reserved() int { return p.framesClose + p.fence.closeCost() }

func (p *packer) fits(c int) bool { return p.used+c+p.reserved() <= p.capacity }

// fitsFresh reports whether c would fit in a new part.
func (p *packer) fitsFresh(c int) bool {
	return p.noteCost+1+p.framesOpen+c+p.framesClose <= p.capacity
}

func (p *packer) push(l outLine) {
	p.cur = append(p.cur, l)
	p.used += cost(l.text)
	if !l.synthetic {
		p.content++
	}
	p.fence = p.fence.next(l.text)
}

// place adds a block, starting a new part first if the block fits in one
// but not in the current part, and cutting it up only if it fits in none.
func (p *packer) place(b *block) {
	if !p.fits(b.cost) && !p.fresh() && p.fitsFresh(b.cost) {
		p.breakPart()
	}
	if p.fits(b.cost) {
		for _, l := range b.appendLines(nil) {
			p.emit(l)
		}
		return
	}
	switch b.kind {
	case kindTable:
		p.placeTable(b)
	case kindDetails:
		p.placeDetails(b)
	case kindFence:
		p.placeFence(b)
	default:
		p.emit(b.lines[0])
	}
}

// placeFence adds a fence too big for a part; emit closes it at the end of
// each part and reopens it at the top of the next.
func (p *packer) placeFence(b *block) {
	if len(b.lines) > 1 {
		opener := openFence(b.lines[0])
		first := cost(b.lines[0]) + cost(b.lines[1]) + opener.closeCost()
		if !p.fits(first) && !p.fresh() {
			p.breakPart() // keep the opening line with some code
		}
	}
	for _, l := range b.lines {
		p.emit(l)
	}
}

func (p *packer) placeTable(b *block) {
	if len(b.lines) < 3 || !isDelimiterRow(b.lines[1]) {
		for _, l := range b.lines {
			p.emit(l)
		}
		return
	}
	header := b.lines[:2]
	if !p.fits(costAll(b.lines[:3])) && !p.fresh() {
		p.breakPart() // keep the header with the first row
	}
	p.emit(header[0])
	p.emit(header[1])
	f := &frame{reopen: header, reopenCost: costAll(header)}
	pushed := p.pushFrame(f)
	for _, l := range b.lines[2:] {
		p.emit(l)
	}
	if pushed {
		p.popFrame()
	}
}

func (p *packer) placeDetails(b *block) {
	f := &frame{
		reopen:  append(append([]string(nil), b.header...), ""),
		closing: []string{"", "</details>"},
	}
	f.reopenCost = costAll(f.reopen)
	f.closeCost = costAll(f.closing)
	if b.hasCloser {
		f.closeCost = max(f.closeCost, cost(b.closer))
	}
	first := costAll(b.header) + f.closeCost
	if len(b.children) > 0 {
		first += cost(b.children[0].firstLine())
	}
	if !p.fits(first) && !p.fresh() {
		p.breakPart() // keep the header with some content
	}
	for _, l := range b.header {
		p.emit(l)
	}
	pushed := p.pushFrame(f)
	if !pushed {
		// Reopen with a bare <details> if the header is too big to repeat.
		f.reopen = []string{"<details>", ""}
		f.reopenCost = costAll(f.reopen)
		pushed = p.pushFrame(f)
	}
	for _, c := range b.children {
		p.place(c)
	}
	if pushed {
		p.popFrame()
	}
	if b.hasCloser {
		p.emit(b.closer)
	}
}

// pushFrame opens f if there is room to close it in this part and the
// overhead of reopening everything stays within half a part.
func (p *packer) pushFrame(f *frame) bool {
	if !p.fits(f.closeCost) {
		return false
	}
	if p.noteCost+1+p.framesOpen+f.reopenCost+p.framesClose+f.closeCost > p.capacity/2 {
		return false
	}
	p.frames = append(p.frames, f)
	p.framesClose += f.closeCost
	p.framesOpen += f.reopenCost
	return true
}

func (p *packer) popFrame() {
	f := p.frames[len(p.frames)-1]
	p.frames = p.frames[:len(p.frames)-1]
	p.framesClose -= f.closeCost
	p.framesOpen -= f.reopenCost
}

// emit adds one input line, starting new parts as needed and, when even a
// new part has no room for it, cutting it mid-line.
func (p *packer) emit(line string) {
	const minPiece = 16 // don't start cutting a long line into a nearly full part
	for {
		room := p.capacity - p.used - p.framesClose
		// Lines longer than a part skip the whole-line checks, which would
		// make cutting them quadratic.
		if !longerThan(line, p.capacity) {
			c := cost(line) + p.fence.next(line).closeCost()
			if c <= room {
				p.push(outLine{text: line})
				return
			}
			if !p.fresh() && p.fitsFresh(c) {
				p.breakPart()
				continue
			}
		}
		if !p.fresh() && room < minPiece {
			p.breakPart()
			continue
		}
		piece, rest, ok := p.cut(line, room)
		if !ok && !p.fresh() {
			p.breakPart()
			continue
		}
		if !ok {
			// Cannot happen: a new part always keeps room for a few runes
			// (see pushFrame and breakPart). Make progress regardless.
			_, size := utf8.DecodeRuneInString(line)
			piece, rest = line[:size], line[size:]
		}
		p.push(outLine{text: piece, joinNext: true})
		line = rest
	}
}

// cut splits off the longest prefix of line that fits in room together with
// what closing the fence it may leave open costs. It reports false if not
// even one rune fits.
func (p *packer) cut(line string, room int) (piece, rest string, ok bool) {
	// offsets[i] is the byte offset after i runes, for i up to room; only
	// that much of the line is looked at, so cutting stays linear.
	offsets := []int{0}
	for off := 0; off < len(line) && len(offsets) <= room; {
		_, size := utf8.DecodeRuneInString(line[off:]) // invalid bytes count as one rune each
		off += size
		offsets = append(offsets, off)
	}
	total := len(offsets) - 1 // runes looked at
	n := min(room-1, total)
	if n == total && offsets[n] == len(line) {
		n-- // the whole line did not fit; always leave a rest
	}
	for n >= 1 {
		c := p.fence.next(line[:offsets[n]]).closeCost()
		if n+1+c <= room {
			break
		}
		next := room - 1 - c
		if next < 1 {
			// The piece opens a fence whose closing grows with it: halve.
			next = n / 2
		}
		n = next
	}
	if n < 1 {
		return "", line, false
	}
	return line[:offsets[n]], line[offsets[n]:], true
}

// breakPart closes the open fence and frames, ends the part and starts the
// next one with the continuation note and the reopened frames and fence.
func (p *packer) breakPart() {
	open := p.fence
	if open != nil {
		p.push(outLine{text: open.closingLine(), synthetic: true})
	}
	for i := len(p.frames) - 1; i >= 0; i-- {
		for _, l := range p.frames[i].closing {
			p.push(outLine{text: l, synthetic: true})
		}
	}
	p.parts = append(p.parts, p.cur)
	p.cur, p.used, p.content, p.fence = nil, 0, 0, nil

	p.cur = append(p.cur, outLine{synthetic: true, note: true})
	p.used += p.noteCost
	p.push(outLine{text: "", synthetic: true})
	for _, f := range p.frames {
		for _, l := range f.reopen {
			p.push(outLine{text: l, synthetic: true})
		}
	}
	if open == nil {
		return
	}
	// Reopen the fence as it was opened, or with a bare run if the opening
	// line is too long; leave it closed if even that leaves no room.
	const minRoom = 16
	for _, l := range []string{open.opener, open.closingLine()} {
		if p.used+cost(l)+open.closeCost()+p.framesClose+minRoom <= p.capacity {
			p.push(outLine{text: l, synthetic: true})
			return
		}
	}
}

// finish ends the last part, closing a fence the cuts left open unless the
// input itself ends inside it.
func (p *packer) finish() {
	if p.fence != nil && !p.endsInFence {
		p.push(outLine{text: p.fence.closingLine(), synthetic: true})
	}
	if len(p.cur) > 0 || len(p.parts) == 0 {
		p.parts = append(p.parts, p.cur)
	}
}
