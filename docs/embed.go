// Package docs embeds the documents the server itself serves: the merchant
// API's OpenAPI description.
package docs

import _ "embed"

// MerchantAPIOpenAPI is docs/merchant-api.openapi.yaml, served at
// /merchant/openapi.yaml.
//
//go:embed merchant-api.openapi.yaml
var MerchantAPIOpenAPI []byte
