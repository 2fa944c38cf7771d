package acp

// Address is a postal address as ACP carries it. Country is an ISO 3166-1
// alpha-2 code; State is the state or province code.
type Address struct {
	// Name is the recipient's name.
	Name string `json:"name"`
	// LineOne is the first street line.
	LineOne string `json:"line_one"`
	// LineTwo is the optional second street line.
	LineTwo string `json:"line_two,omitempty"`
	// City is the city or locality.
	City string `json:"city"`
	// State is the state, province or region code.
	State string `json:"state"`
	// Country is the ISO 3166-1 alpha-2 country code, upper case.
	Country string `json:"country"`
	// PostalCode is the postal or ZIP code.
	PostalCode string `json:"postal_code"`
	// Company is the optional company name.
	Company string `json:"company,omitempty"`
}
