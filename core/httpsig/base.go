package httpsig

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/dunglas/httpsfv"
)

// message is what a signature base is built from: a request (status 0)
// or a response.
type message struct {
	// The request's method, scheme ("https"), authority (the Host
	// header), path as sent and query without its '?' ("" when none).
	method, scheme, authority, path, query string
	// status is the response's status; 0 for a request.
	status int
	header http.Header
}

// component is one covered component: a derived component (@method, …)
// or a header field, lower case, with its parameters.
type component struct {
	// name is the component name: "@method", "content-type".
	name string
	// param is @query-param's name parameter.
	param string
	// id is the component identifier serialized (the sf-string name and
	// its parameters), as the base shows it.
	id string
}

// errBase marks a covered component the message cannot give a value
// for (a header it does not have, @status of a request).
var errBase = errors.New("cannot build the signature base")

// derived are the derived components supported, with whether each is a
// request's (true) or a response's (false).
var derived = map[string]bool{
	"@method": true, "@target-uri": true, "@authority": true, "@scheme": true,
	"@request-target": true, "@path": true, "@query": true, "@query-param": true,
	"@status": false,
}

// newComponent checks a covered component as an inner list's item gives
// it: a lower-case string naming a supported derived component or a
// header field, with no parameter but @query-param's name.
func newComponent(it httpsfv.Item) (component, error) {
	name, ok := it.Value.(string)
	if !ok {
		return component{}, errors.New("a covered component is not a string")
	}
	c := component{name: name}
	if name == "" || name != strings.ToLower(name) {
		return c, fmt.Errorf("covered component %q is not a lower-case name", name)
	}
	if strings.HasPrefix(name, "@") {
		if _, ok := derived[name]; !ok {
			return c, fmt.Errorf("derived component %q is not supported", name)
		}
	} else if !validFieldName(name) {
		return c, fmt.Errorf("covered component %q is not a field name", name)
	}
	for _, p := range it.Params.Names() {
		v, _ := it.Params.Get(p)
		if name == "@query-param" && p == "name" {
			if s, ok := v.(string); ok {
				c.param = s
				continue
			}
		}
		return c, fmt.Errorf("component parameter %q of %q is not supported", p, name)
	}
	if name == "@query-param" && c.param == "" {
		return c, errors.New(`"@query-param" needs a name parameter`)
	}
	id, err := httpsfv.Marshal(it)
	if err != nil {
		return c, fmt.Errorf("component %q: %w", name, err)
	}
	c.id = id
	return c, nil
}

// validFieldName reports whether s is an HTTP field name (a token).
func validFieldName(s string) bool {
	for i := range len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// base returns the signature base (RFC 9421 §2.5) of m for the covered
// components cs and the serialized signature parameters params.
func (m *message) base(cs []component, params string) ([]byte, error) {
	var b strings.Builder
	for _, c := range cs {
		values, err := m.values(c)
		if err != nil {
			return nil, err
		}
		for _, v := range values {
			b.WriteString(c.id)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(params)
	return []byte(b.String()), nil
}

// values returns the component's value in m (several for a query
// parameter given more than once).
func (m *message) values(c component) ([]string, error) {
	if req, ok := derived[c.name]; ok && req != (m.status == 0) {
		kind := "response"
		if m.status == 0 {
			kind = "request"
		}
		return nil, fmt.Errorf("%w: %s is not a component of a %s", errBase, c.name, kind)
	}
	switch c.name {
	case "@method":
		return []string{m.method}, nil
	case "@target-uri":
		return []string{m.scheme + "://" + m.normalAuthority() + m.requestTarget()}, nil
	case "@authority":
		return []string{m.normalAuthority()}, nil
	case "@scheme":
		return []string{strings.ToLower(m.scheme)}, nil
	case "@request-target":
		return []string{m.requestTarget()}, nil
	case "@path":
		return []string{m.absPath()}, nil
	case "@query":
		return []string{"?" + m.query}, nil
	case "@query-param":
		return m.queryParam(c.param)
	case "@status":
		return []string{strconv.Itoa(m.status)}, nil
	}
	v, err := fieldValue(m.header, c.name)
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

// absPath is the path, "/" when empty.
func (m *message) absPath() string {
	if m.path == "" {
		return "/"
	}
	return m.path
}

// requestTarget is the path and the query (origin form).
func (m *message) requestTarget() string {
	if m.query == "" {
		return m.absPath()
	}
	return m.absPath() + "?" + m.query
}

// normalAuthority is the authority lower-cased, without the scheme's
// default port (HTTP §4.2.3).
func (m *message) normalAuthority() string {
	a := strings.ToLower(m.authority)
	switch strings.ToLower(m.scheme) {
	case "https":
		a = strings.TrimSuffix(a, ":443")
	case "http":
		a = strings.TrimSuffix(a, ":80")
	}
	return a
}

// queryParam returns the values of the query parameter name (RFC 9421
// §2.2.8): the query is split as application/x-www-form-urlencoded, and
// names and values are compared and shown percent-encoded again.
func (m *message) queryParam(name string) ([]string, error) {
	var out []string
	for pair := range strings.SplitSeq(m.query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if formEncode(formDecode(k)) == name {
			out = append(out, formEncode(formDecode(v)))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the query has no parameter %q", errBase, name)
	}
	return out, nil
}

// formDecode decodes an application/x-www-form-urlencoded name or value:
// '+' is a space and %XX a byte; a '%' not followed by two hex digits
// stays as it is.
func formDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// formEncode percent-encodes every byte but ASCII letters, digits and
// "*-._" (the application/x-www-form-urlencoded percent-encode set),
// a space as %20.
func formEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("*-._", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// obsFold is an obsolete line folding within a field value.
var obsFold = regexp.MustCompile(`\r?\n[ \t]+`)

// fieldValue returns the value of header field name (RFC 9421 §2.1):
// each field line's value with obs-fold replaced by a space and trimmed
// of surrounding whitespace, the lines joined with ", ".
func fieldValue(h http.Header, name string) (string, error) {
	lines := h.Values(name)
	if len(lines) == 0 {
		return "", fmt.Errorf("%w: the message has no %s field", errBase, name)
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		l = strings.Trim(obsFold.ReplaceAllString(l, " "), " \t")
		if strings.ContainsAny(l, "\r\n\x00") {
			return "", fmt.Errorf("%w: the %s field has a line break", errBase, name)
		}
		out[i] = l
	}
	return strings.Join(out, ", "), nil
}
