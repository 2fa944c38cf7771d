package loadgen

import "encoding/json"

// sessionFields returns the string values of the top-level "id" and
// "status" of the JSON object body without decoding the rest: a few
// microseconds for a session of a few kilobytes, where decoding it would
// take ten times as long. ok is false when body is not a JSON object
// (nested values are skipped, not validated).
func sessionFields(body []byte) (id, status string, ok bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return "", "", false
	}
	i++
	for {
		i = skipSpace(body, i)
		if i >= len(body) {
			return "", "", false
		}
		if body[i] == '}' {
			return id, status, true
		}
		if body[i] == ',' {
			i = skipSpace(body, i+1)
		}
		keyStart := i
		i = skipString(body, i)
		if i < 0 {
			return "", "", false
		}
		key := string(body[keyStart:i])
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != ':' {
			return "", "", false
		}
		i = skipSpace(body, i+1)
		valueStart := i
		i = skipValue(body, i)
		if i < 0 {
			return "", "", false
		}
		if key == `"id"` || key == `"status"` {
			var s string
			if body[valueStart] == '"' && json.Unmarshal(body[valueStart:i], &s) != nil {
				return "", "", false
			}
			if key == `"id"` {
				id = s
			} else {
				status = s
			}
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string at b[i], or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				if i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	// A number, true, false or null.
	start := i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
