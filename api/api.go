// Package api carries the REST contract, api/openapi.yaml, so tests (and later
// the server itself) can hold requests and responses to it.
package api

import _ "embed"

// OpenAPI is the contract as YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
