package discovery

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Seller is what the document advertises.
type Seller struct {
	// Versions are the API versions served, in any order.
	Versions []string
	// APIBaseURL is where agents reach the REST API.
	APIBaseURL string
	// MCP says whether the MCP binding is served.
	MCP bool
	// Interventions are the intervention types the seller supports.
	Interventions []string
	// Currencies are lower-case ISO 4217 codes.
	Currencies []string
	// Locales are BCP 47 tags; optional.
	Locales []string
	// DocumentationURL is the seller's ACP documentation; optional.
	DocumentationURL string
	// Orders advertises the "orders" service: rich order data sent to
	// agents through order webhooks.
	Orders bool
}

type document struct {
	Protocol     protocol     `json:"protocol"`
	APIBaseURL   string       `json:"api_base_url"`
	Transports   []string     `json:"transports"`
	Capabilities capabilities `json:"capabilities"`
}

type protocol struct {
	Name              string   `json:"name"`
	Version           string   `json:"version"`
	SupportedVersions []string `json:"supported_versions"`
	DocumentationURL  string   `json:"documentation_url,omitempty"`
}

type capabilities struct {
	Services            []string `json:"services"`
	InterventionTypes   []string `json:"intervention_types,omitempty"`
	SupportedCurrencies []string `json:"supported_currencies,omitempty"`
	SupportedLocales    []string `json:"supported_locales,omitempty"`
}

// Document returns the discovery document. supported_versions is oldest
// first and version is the newest, as the discovery schema says (errors
// list versions newest first; ACP-NOTES §12 #6).
func Document(s Seller) ([]byte, error) {
	if len(s.Versions) == 0 {
		return nil, fmt.Errorf("discovery: no API versions")
	}
	versions := slices.Clone(s.Versions)
	slices.Sort(versions) // YYYY-MM-DD sorts chronologically
	transports := []string{"rest"}
	if s.MCP {
		transports = append(transports, "mcp")
	}
	services := []string{"checkout"}
	if s.Orders {
		services = append(services, "orders")
	}
	doc := document{
		Protocol: protocol{
			Name:              "acp",
			Version:           versions[len(versions)-1],
			SupportedVersions: versions,
			DocumentationURL:  s.DocumentationURL,
		},
		APIBaseURL: s.APIBaseURL,
		Transports: transports,
		Capabilities: capabilities{
			Services:            services,
			InterventionTypes:   s.Interventions,
			SupportedCurrencies: s.Currencies,
			SupportedLocales:    s.Locales,
		},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	return data, nil
}
