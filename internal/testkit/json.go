package testkit

// At walks a decoded JSON value by object members (strings) and array
// indexes (ints): At(v, "line_items", 0, "id"). It returns nil where the
// path leads nowhere.
func At(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k < 0 || k >= len(a) {
				return nil
			}
			v = a[k]
		default:
			return nil
		}
	}
	return v
}
