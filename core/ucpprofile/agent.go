package ucpprofile

import (
	"net/http"

	"github.com/dunglas/httpsfv"

	"github.com/acp-sidecar/acp/core/ucp"
)

// ParseAgentHeader returns the platform's profile URL from the values of
// the UCP-Agent header: an RFC 8941 dictionary whose profile member is a
// string (profile="https://…"; other members are ignored). A header that
// is missing, is not a dictionary, or lacks a string profile is a
// *ucp.Error invalid_profile_url (400).
func ParseAgentHeader(values []string) (string, error) {
	if len(values) == 0 {
		return "", invalidProfileURL("The UCP-Agent header is required: profile=\"<the platform's profile URL>\".")
	}
	dict, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return "", invalidProfileURL("The UCP-Agent header is not a structured field dictionary (RFC 8941), such as profile=\"https://platform.example/profile\".")
	}
	member, ok := dict.Get("profile")
	if !ok {
		return "", invalidProfileURL("The UCP-Agent header has no profile member.")
	}
	item, isItem := member.(httpsfv.Item)
	profile, isString := item.Value.(string)
	if !isItem || !isString || profile == "" {
		return "", invalidProfileURL("The UCP-Agent header's profile must be a quoted string holding the profile URL.")
	}
	return profile, nil
}

// invalidProfileURL is the invalid_profile_url error.
func invalidProfileURL(content string) *ucp.Error {
	return ucp.NewError(http.StatusBadRequest, ucp.CodeInvalidProfileURL, content)
}
