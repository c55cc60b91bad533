package ui

import "github.com/cioaep/cioaep/flow/safetext"

// clean makes text that came from outside (the Platform API, sample files) safe to draw on one line, with
// the sanitiser every output path shares.
func clean(s string) string { return safetext.Line(s) }

// cleanBlock is clean for multi-line text such as a JSON preview: it keeps line breaks.
func cleanBlock(s string) string { return safetext.Block(s) }
