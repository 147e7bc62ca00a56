package domain

import "strings"

// CSVSafe defuses spreadsheet formulas in exported text (CSV injection).
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
