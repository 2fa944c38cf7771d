package loadgen

import (
	"bytes"
	"encoding/json"
)

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
		key := body[keyStart:i] // compared below without a copy
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
		isID, isStatus := string(key) == `"id"`, string(key) == `"status"`
		if isID || isStatus {
			var s string
			switch raw := body[valueStart:i]; {
			case raw[0] != '"':
			case bytes.IndexByte(raw, '\\') < 0:
				s = string(raw[1 : len(raw)-1])
			case json.Unmarshal(raw, &s) != nil:
				return "", "", false
			}
			if isID {
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
