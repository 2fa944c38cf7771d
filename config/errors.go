package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a config, at a YAML path such as
// "catalog.items[1].unit_price". Path is empty for problems with the
// document as a whole, such as a YAML syntax error.
type Problem struct {
	// Path locates the offending key, e.g. "agents[0].token_env".
	Path string
	// Message says what is wrong and, where it helps, how to fix it.
	Message string
	// Line and Column locate Path in the config file, counting from 1:
	// the key itself, or the mapping that lacks a required key. Both are 0
	// when the file does not have the path (a section left out entirely).
	Line, Column int
}

// String formats the problem as "line:column: path: message", leaving
// out the position when it is unknown and the path when it is empty.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", p.Line, p.Column)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Errors is every problem found in a config. Load and LoadBytes return it
// (as an error) whenever a config has at least one problem.
type Errors struct {
	// Problems are in a stable order, root causes first, by class
	// across sections: unknown keys in file order, then values of the
	// wrong type, then wrong values, then values naming what another
	// part lacks (a fulfillment type no option has); the last three by
	// top-level section in the order of Config's fields, and within a
	// section in document order. An unknown key (a misspelled "plugins",
	// say) so comes before what follows from it.
	Problems []Problem
}

// Error joins the problems, one "path: message" per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects problems while a config is checked.
type problems struct {
	list []Problem
	// crossRefs marks, by index in list, the problems addCrossRef
	// recorded.
	crossRefs map[int]bool
}

// addCrossRef records a problem at path with a value that names what
// another part of the config lacks (a fulfillment type no option has, a
// plugin not configured). It is listed after the problems with values,
// since fixing one of those (a misspelt option type) may fix it.
func (ps *problems) addCrossRef(path, format string, args ...any) {
	if ps.crossRefs == nil {
		ps.crossRefs = map[int]bool{}
	}
	ps.crossRefs[len(ps.list)] = true
	ps.add(path, format, args...)
}

// add records a problem at path.
func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as *Errors, or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Errors{Problems: ps.list}
}

// plainKey matches map keys that can be written after a dot in a path.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// keyPath appends a map key to a path: "a.b", or `a["b.c"]` when the key
// is not plain, so that a key containing a dot stays one key.
func keyPath(base, key string) string {
	if !plainKey.MatchString(key) {
		return base + "[" + strconv.Quote(key) + "]"
	}
	if base == "" {
		return key
	}
	return base + "." + key
}

// indexPath appends a list index to a path: "a[3]".
func indexPath(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// within reports whether path is at or below prefix.
func within(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	rest := path[len(prefix):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// sectionRanks orders top-level sections as Config's fields are ordered.
var sectionRanks = func() map[string]int {
	t := reflect.TypeFor[Config]()
	ranks := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		ranks[tagName(t.Field(i))] = i
	}
	return ranks
}()

// sectionRank ranks a path by its top-level key: whole-document problems
// first, then Config's fields in order, then unknown top-level keys.
func sectionRank(path string) int {
	if path == "" {
		return -1
	}
	end := strings.IndexAny(path, ".[")
	if end < 0 {
		end = len(path)
	}
	if r, ok := sectionRanks[path[:end]]; ok {
		return r
	}
	return len(sectionRanks)
}

// Classes of problem, in the order they are listed: a root cause comes
// before what follows from it.
const (
	classUnknownKey = iota // a key that matches no field
	classType              // a value of the wrong type
	classValue             // a value that is wrong in itself
	classCrossRef          // a value naming what another part lacks
)

// combine merges the shape problems (unknown keys, wrong types) with the
// validation problems. A validation problem at or below a path that has a
// type error is dropped: the value was discarded, so what validation says
// about it would only repeat the type error. Root causes come first, by
// class across sections: unknown keys in file order, then type errors,
// then wrong values, then cross-references (see problems.addCrossRef),
// each of the last three by section. A problem the file has no place for
// (a section left out) is placed at the unknown key that is a near miss
// of its section, when there is one. Problems are expected to carry their
// positions.
func combine(shape []Problem, valid problems) []Problem {
	out := make([]Problem, 0, len(shape)+len(valid.list))
	classes := make([]int, 0, cap(out))
	for _, s := range shape {
		out = append(out, s)
		if strings.HasPrefix(s.Message, unknownKey) {
			classes = append(classes, classUnknownKey)
		} else {
			classes = append(classes, classType)
		}
	}
	for i, v := range valid.list {
		if slices.ContainsFunc(shape, func(s Problem) bool { return within(v.Path, s.Path) }) {
			continue
		}
		if v.Line == 0 {
			placeAtNearMiss(&v, shape)
		}
		out = append(out, v)
		if valid.crossRefs[i] {
			classes = append(classes, classCrossRef)
		} else {
			classes = append(classes, classValue)
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ia, ib := idx[a], idx[b]
		if classes[ia] != classes[ib] {
			return classes[ia] < classes[ib]
		}
		if classes[ia] == classUnknownKey {
			// Unknown keys come from a sorted walk; the file's order
			// reads better.
			return out[ia].Line < out[ib].Line
		}
		return sectionRank(out[ia].Path) < sectionRank(out[ib].Path)
	})
	sorted := make([]Problem, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

// placeAtNearMiss gives p, which the file has no place for, the position
// of the unknown key whose suggestion is p's path or encloses it: the
// misspelt "catalgo" for a problem about the missing catalog.items.
func placeAtNearMiss(p *Problem, shape []Problem) {
	for _, s := range shape {
		_, hint, ok := strings.Cut(s.Message, "did you mean ")
		if !ok || !strings.HasPrefix(s.Message, unknownKey) {
			continue
		}
		name, err := strconv.Unquote(strings.TrimSuffix(hint, "?"))
		if err != nil {
			continue
		}
		if within(p.Path, keyPath(parentPath(s.Path), name)) {
			p.Line, p.Column = s.Line, s.Column
			return
		}
	}
}
