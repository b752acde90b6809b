package scorecard

import "strconv"

// Plural is "1 noun" or "n nouns", for the English nouns the reports
// count: a noun ending in a consonant and "y" takes "ies" ("repository",
// "repositories"), every other one takes "s".
func Plural(n int, noun string) string {
	s := strconv.Itoa(n) + " "
	if n == 1 {
		return s + noun
	}
	if l := len(noun); l >= 2 && noun[l-1] == 'y' && !isVowel(noun[l-2]) {
		return s + noun[:l-1] + "ies"
	}
	return s + noun + "s"
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
