package rules

import (
	"math"
	"strconv"
	"strings"
)

// Kind is what a Value holds.
type Kind uint8

const (
	Unanswered Kind = iota // no answer; see LANGUAGE.md, "Unanswered fields"
	Error                  // an operation that could not give a value; ErrorCode says why
	Bool
	Number
	String
	Date
	List
	Compound // an answered name, address or document: only answered() looks at it
)

var kindNames = [...]string{"unanswered", "error", "bool", "number", "string", "date", "list", "compound"}

func (k Kind) String() string { return kindNames[k] }

// Error codes of values of kind Error. They are stable: test vectors and logs use them.
const (
	ErrDivisionByZero = "division-by-zero"
	ErrOverflow       = "overflow"
	ErrNotInteger     = "not-integer"
	ErrBadDate        = "bad-date"
	ErrDateRange      = "date-range"
	ErrBadValue       = "bad-value"
)

// Value is the result of an expression. It is a small struct passed by value so that evaluating
// scalars allocates nothing.
type Value struct {
	kind Kind
	num  float64  // Number; Bool as 0 or 1; Date as days since 1970-01-01
	str  string   // String; the code of an Error
	list *[]Value // List; a pointer keeps Value small, and Values are copied at every step
}

var (
	unanswered = Value{kind: Unanswered}
	trueValue  = Value{kind: Bool, num: 1}
	falseValue = Value{kind: Bool}
	compound   = Value{kind: Compound}
)

func boolValue(b bool) Value {
	if b {
		return trueValue
	}
	return falseValue
}

// numberValue is the one way numbers are made: a result that is not finite is an overflow, so
// no infinity or NaN ever reaches a rule, and -0 becomes 0 so both evaluators print the same.
func numberValue(f float64) Value {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return errorValue(ErrOverflow)
	}
	if f == 0 {
		f = 0
	}
	return Value{kind: Number, num: f}
}

func stringValue(s string) Value { return Value{kind: String, str: s} }
func listValue(l []Value) Value  { return Value{kind: List, list: &l} }
func dateValue(d Days) Value     { return Value{kind: Date, num: float64(d)} }
func errorValue(code string) Value {
	return Value{kind: Error, str: code}
}

// Kind reports what v holds.
func (v Value) Kind() Kind { return v.kind }

// IsTrue reports whether v is the boolean true: what a condition needs to hold.
func (v Value) IsTrue() bool { return v.kind == Bool && v.num != 0 }

// IsFalse reports whether v is the boolean false: what makes a validation fail.
func (v Value) IsFalse() bool { return v.kind == Bool && v.num == 0 }

// Answered reports whether v has a value: it is neither unanswered nor an error.
func (v Value) Answered() bool { return v.kind > Error }

// Number returns the number of a Number value.
func (v Value) Number() float64 { return v.num }

// Str returns the text of a String value.
func (v Value) Str() string { return v.str }

// Date returns the date of a Date value.
func (v Value) Date() Days { return Days(v.num) }

// List returns the elements of a List value.
func (v Value) List() []Value {
	if v.list == nil {
		return nil
	}
	return *v.list
}

// ErrorCode returns the code of an Error value (one of the Err constants), or "".
func (v Value) ErrorCode() string {
	if v.kind == Error {
		return v.str
	}
	return ""
}

// Encode returns v in the JSON encoding of LANGUAGE.md: bool, float64, string and []any as
// themselves, a date as {"date": "YYYY-MM-DD"}, {"unanswered": true} and {"error": code}.
func (v Value) Encode() any {
	switch v.kind {
	case Unanswered:
		return map[string]any{"unanswered": true}
	case Error:
		return map[string]any{"error": v.str}
	case Bool:
		return v.num != 0
	case Number:
		return v.num
	case String:
		return v.str
	case Date:
		return map[string]any{"date": Days(v.num).String()}
	case List:
		out := make([]any, len(*v.list))
		for i, e := range *v.list {
			out[i] = e.Encode()
		}
		return out
	default:
		return map[string]any{"compound": true}
	}
}

// String formats v for messages and test failures.
func (v Value) String() string {
	switch v.kind {
	case Unanswered:
		return "unanswered"
	case Error:
		return "error(" + v.str + ")"
	case Bool:
		return strconv.FormatBool(v.num != 0)
	case Number:
		return strconv.FormatFloat(v.num, 'g', -1, 64)
	case String:
		return strconv.Quote(v.str)
	case Date:
		return "date(" + Days(v.num).String() + ")"
	case List:
		parts := make([]string, len(*v.list))
		for i, e := range *v.list {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return "compound"
	}
}

// equal is the == of the language: operands are of one type, checked at build time.
func equal(a, b Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case String:
		return a.str == b.str
	case List:
		if len(*a.list) != len(*b.list) {
			return false
		}
		for i, x := range *a.list {
			if !equal(x, (*b.list)[i]) {
				return false
			}
		}
		return true
	default:
		return a.num == b.num
	}
}

// compare orders two numbers, strings (by code point: Go's byte order of UTF-8 is code point
// order) or dates, giving -1, 0 or 1.
func compare(a, b *Value) int {
	if a.kind == String {
		return strings.Compare(a.str, b.str)
	}
	switch {
	case a.num < b.num:
		return -1
	case a.num > b.num:
		return 1
	}
	return 0
}
