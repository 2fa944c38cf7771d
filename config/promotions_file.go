package config

// CheckPromotions gives promotions kept outside acp.yaml (the promotions
// file of plugins/acp-plugin-catalog-file) acp.yaml's defaults, in place,
// and checks them by acp.yaml's rules, except that item ids are not
// checked against a catalog. The error is *Errors, its paths starting at
// "promotions[i]".
func CheckPromotions(list []Promotion) error {
	for i := range list {
		if list[i].AppliesTo == "" {
			list[i].AppliesTo = "order"
		}
	}
	var ps problems
	validatePromotions(list, nil, &ps)
	return ps.err()
}
