package rules

import _ "embed"

// JavaScript is the browser's evaluator of compiled rules (js/rules.js, an ES module), held to
// the Go evaluator's answers by the shared test vectors. The runtime serves it to the forms.
//
//go:embed js/rules.js
var JavaScript []byte
