package acpschema

// fixDraft04 rewrites draft-04 style numeric bounds, which a 2020-12
// metaschema rejects, into their 2020-12 form, in place: a boolean
// exclusiveMinimum (or exclusiveMaximum) true turns the sibling minimum
// (maximum) into the exclusive bound; false is dropped. The 2025-09-29
// bundle's Item.quantity has {"minimum": 0, "exclusiveMinimum": true}
// (ACP-NOTES §12 #26), which means "a positive number".
func fixDraft04(doc any) {
	switch v := doc.(type) {
	case map[string]any:
		for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			exclusive, ok := v[pair[0]].(bool)
			if !ok {
				continue
			}
			delete(v, pair[0])
			if bound, ok := v[pair[1]]; ok && exclusive {
				v[pair[0]] = bound
				delete(v, pair[1])
			}
		}
		for _, child := range v {
			fixDraft04(child)
		}
	case []any:
		for _, child := range v {
			fixDraft04(child)
		}
	}
}
