package config

import (
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// positions maps the paths of a YAML document, spelled as Problem.Path
// spells them, to where they start in the file: the key of a mapping
// entry, the item of a list.
type positions map[string]Problem

// indexPositions reads where every key and list item of a YAML document
// is. A document that does not parse yields no positions: its problem is
// the parser's, which names the line itself.
func indexPositions(data []byte) positions {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	idx := positions{}
	idx.walk("", doc.Content[0])
	return idx
}

// walk records the positions below node, whose path is path.
func (idx positions) walk(path string, node *yaml.Node) {
	switch node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, val := node.Content[i], node.Content[i+1]
			p := keyPath(path, key.Value)
			if _, seen := idx[p]; !seen {
				idx[p] = Problem{Line: key.Line, Column: key.Column}
			}
			idx.walk(p, val)
		}
	case yaml.SequenceNode:
		for i, item := range node.Content {
			p := indexPath(path, i)
			idx[p] = Problem{Line: item.Line, Column: item.Column}
			idx.walk(p, item)
		}
	}
}

// locate sets the line and column of each problem that has none: those of
// its path, or of the nearest enclosing path the file has (a required key
// that is missing is placed at the mapping that lacks it).
func (idx positions) locate(list []Problem) {
	for i := range list {
		p := &list[i]
		if p.Line != 0 {
			continue
		}
		for path := p.Path; path != ""; path = parentPath(path) {
			if at, ok := idx[path]; ok {
				p.Line, p.Column = at.Line, at.Column
				break
			}
		}
	}
}

// parentPath strips the last key or index from a path: "a.b[2]" → "a.b",
// "a.b" → "a", `a["b.c"]` → "a", "a" → "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// LocateFile sets the line and column of each problem from the config
// file at path, for problems found after Load (such as the live checks').
// A file that cannot be read leaves the problems without positions.
func LocateFile(path string, list []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	indexPositions(data).locate(list)
}
