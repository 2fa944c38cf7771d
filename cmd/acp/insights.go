package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/model"
)

// printInsights writes what the agent told beyond the cart: who the sale
// is credited to, the marketing decisions and which risk signals came.
// Contacts are shown masked and risk signal values not at all (--json
// has them): a terminal's scrollback is no place for personal data.
func printInsights(w io.Writer, in *model.Insights) error {
	if in == nil {
		return nil
	}
	fmt.Fprintln(w, "\nINSIGHTS")
	tw := newTable(w)
	for _, t := range []struct {
		name string
		a    *model.Attribution
	}{{"first touch", in.FirstTouch}, {"last touch", in.LastTouch}} {
		if t.a == nil {
			continue
		}
		parts := []string{printable(t.a.Provider)}
		for _, f := range []struct{ k, v string }{
			{"publisher", t.a.PublisherID}, {"campaign", t.a.CampaignID}, {"creative", t.a.CreativeID},
			{"sub", t.a.SubID}, {"source", strings.TrimSpace(t.a.SourceType + " " + t.a.SourceURL)}, {"token", t.a.Token},
		} {
			if f.v != "" {
				parts = append(parts, f.k+" "+printable(f.v))
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\n", t.name, strings.Join(parts, ", "))
	}
	for _, c := range in.MarketingConsents {
		decision := "opted out"
		if c.OptedIn {
			decision = "opted in"
		}
		fmt.Fprintf(tw, "  marketing %s\t%s (%s)\n", printable(c.Channel), decision, printable(maskContact(c.Contact)))
	}
	if rs := in.RiskSignals; rs != nil {
		var given []string
		for _, f := range []struct{ k, v string }{
			{"ip_address", rs.IPAddress}, {"user_agent", rs.UserAgent}, {"accept_language", rs.AcceptLanguage},
			{"session_id", rs.SessionID}, {"device_fingerprint", rs.DeviceFingerprint},
		} {
			if f.v != "" {
				given = append(given, f.k)
			}
		}
		fmt.Fprintf(tw, "  risk signals\t%s (values with --json)\n", strings.Join(given, ", "))
	}
	if !in.ExpiresAt.IsZero() {
		// Computed from orders.insights_retention when the order was
		// placed; a shorter setting since erases them sooner.
		fmt.Fprintf(tw, "  expires at\t%s\n", timestamp(in.ExpiresAt))
	}
	return tw.Flush()
}

// maskContact shows an email address's first character and domain, or a
// phone number's last two characters (runes, never part of one).
func maskContact(contact string) string {
	if local, domain, ok := strings.Cut(contact, "@"); ok && local != "" {
		first, _ := utf8.DecodeRuneInString(local)
		return string(first) + "***@" + domain
	}
	if r := []rune(contact); len(r) > 2 {
		return "***" + string(r[len(r)-2:])
	}
	return "***"
}

// printable is an agent-supplied string as a terminal may show it: every
// control character (escape sequences, newlines, tabs) and bidirectional
// override is replaced by a space, so that a value cannot rewrite the
// screen or the table it is printed in.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return ' '
		}
		return r
	}, s)
}
