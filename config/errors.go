package config

import (
	"fmt"
	"reflect"
	"regexp"
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
	// Problems are in a stable order, root causes first: unknown keys in
	// file order, then values of the wrong type, then what validation
	// finds, these two by top-level section in the order of Config's
	// fields, and within a section in document order. An unknown key (a misspelled
	// "plugins", say) so comes before what follows from it.
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

// combine merges the shape problems (unknown keys, wrong types) with the
// validation problems. A validation problem at or below a path that has a
// type error is dropped: the value was discarded, so what validation says
// about it would only repeat the type error. Root causes come first:
// unknown keys in file order, then type errors, then validation problems,
// these two by section. Problems are expected to carry their positions.
func combine(shape, valid []Problem) []Problem {
	out := make([]Problem, 0, len(shape)+len(valid))
	out = append(out, shape...)
	for _, v := range valid {
		covered := false
		for _, s := range shape {
			if within(v.Path, s.Path) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, v)
		}
	}
	group := func(i int) int {
		switch {
		case i >= len(shape):
			return 2
		case strings.HasPrefix(out[i].Message, unknownKey):
			return 0
		}
		return 1
	}
	groups := make([]int, len(out))
	for i := range out {
		groups[i] = group(i)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ia, ib := idx[a], idx[b]
		if groups[ia] != groups[ib] {
			return groups[ia] < groups[ib]
		}
		if groups[ia] == 0 {
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
