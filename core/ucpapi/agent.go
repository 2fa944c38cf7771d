package ucpapi

import "strings"

// profileOf returns the profile member of a UCP-Agent header, an RFC 8941
// dictionary (profile="https://…"): its sf-string value, unescaped.
// Other members, and parameters, are ignored.
func profileOf(header string) (string, bool) {
	rest := strings.TrimSpace(header)
	for rest != "" {
		key, value, next, ok := member(rest)
		if !ok {
			return "", false
		}
		if key == "profile" {
			return value, value != ""
		}
		rest = next
	}
	return "", false
}

// member parses the dictionary member at the start of s: its key, its
// value when it is an sf-string ("" otherwise), and what follows the
// comma after it.
func member(s string) (key, value, rest string, ok bool) {
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.*", r))
	})
	if i <= 0 {
		return "", "", "", false
	}
	key, s = s[:i], s[i:]
	if strings.HasPrefix(s, `="`) {
		var b strings.Builder
		j := 2
		for ; j < len(s) && s[j] != '"'; j++ {
			c := s[j]
			if c == '\\' {
				if j+1 >= len(s) || (s[j+1] != '"' && s[j+1] != '\\') {
					return "", "", "", false
				}
				j++
				c = s[j]
			} else if c < 0x20 || c > 0x7e {
				return "", "", "", false
			}
			b.WriteByte(c)
		}
		if j >= len(s) {
			return "", "", "", false
		}
		value, s = b.String(), s[j+1:]
	} else if strings.HasPrefix(s, "=") {
		end := strings.IndexAny(s, ";,")
		if end < 0 {
			end = len(s)
		}
		s = s[end:]
	}
	// Parameters, then the next member.
	if end := strings.IndexByte(s, ','); end >= 0 {
		params, next := s[:end], s[end+1:]
		if strings.ContainsRune(params, '"') {
			return "", "", "", false
		}
		return key, value, strings.TrimSpace(next), true
	}
	return key, value, "", true
}
