package compiler

// The package as the author wrote it, decoded from CUE once the schema is satisfied. The names
// and shapes follow schema/package.cue; what the compiler works out (defaults, resolved
// references, compiled rules) goes into the bundle, not here.

type pkgModel struct {
	Country      country             `json:"country"`
	Places       places              `json:"places"`
	Users        users               `json:"users"`
	Translations sheet               `json:"translations"`
	OptionLists  map[string][]option `json:"optionLists"`
	Roles        map[string]role     `json:"roles"`
	Events       map[string]event    `json:"events"`
	Statistics   *statistics         `json:"statistics"`
	Ignore       []string            `json:"ignore"`
	Outbox       *struct {
		MaxAttempts int `json:"maxAttempts"`
	} `json:"outbox"`
}

type statistics struct {
	Population struct {
		sheet
		Layout string `json:"layout"`
	} `json:"population"`
	SuppressBelow int `json:"suppressBelow"`
}

type country struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	Languages        []string `json:"languages"`
	DefaultLanguage  string   `json:"defaultLanguage"`
	FallbackLanguage string   `json:"fallbackLanguage"`
	TimeZone         string   `json:"timeZone"`
	CallingCode      string   `json:"callingCode"`
	Version          string   `json:"version"`
}

type sheet struct {
	File  string `json:"file"`
	Sheet string `json:"sheet"`
}

type users struct {
	sheet
	Layout string `json:"layout"`
}

type places struct {
	Areas struct {
		sheet
		Layout string   `json:"layout"`
		Levels []string `json:"levels"`
	} `json:"areas"`
	Offices struct {
		sheet
		Layout string   `json:"layout"`
		Types  []string `json:"types"`
	} `json:"offices"`
}

type role struct {
	Label        string              `json:"label"`
	Jurisdiction string              `json:"jurisdiction"`
	Grants       map[string][]string `json:"grants"`
	Reads        []string            `json:"reads"`
	Statistics   []string            `json:"statistics"`
	Administers  []string            `json:"administers"`
	Audited      bool                `json:"audited"`
	AuditLog     bool                `json:"auditLog"`
	TwoFactor    bool                `json:"twoFactor"`
}

type event struct {
	Label      string `json:"label"`
	DateField  string `json:"dateField"`
	PlaceField string `json:"placeField"`
	NameField  string `json:"nameField"`
	Title      string `json:"title"`
	Form       struct {
		Pages []page `json:"pages"`
	} `json:"form"`
	Flags map[string]struct {
		Label string `json:"label"`
	} `json:"flags"`
	Workflow     workflow               `json:"workflow"`
	Numbering    numbering              `json:"numbering"`
	Duplicates   *duplicates            `json:"duplicates"`
	Certificates map[string]certificate `json:"certificates"`
	Statistics   *eventStatistics       `json:"statistics"`
	Migration    *migrationMap          `json:"migration"`
	Assignment   *assignment            `json:"assignment"`
	OSIA         *osiaMap               `json:"osia"`
	// Notifications by action (see notifications.go).
	Notifications map[string][]notification `json:"notifications"`
	// Hooks by action (see hooks.go).
	Hooks map[string]hook `json:"hooks"`
}

// osiaMap is an event's #OSIA.
type osiaMap struct {
	Attributes map[string]string         `json:"attributes"`
	Codes      map[string]map[string]int `json:"codes"`
	Events     map[string]string         `json:"events"`
	Message    map[string]string         `json:"message"`
}

// assignment is an event's #Assignment.
type assignment struct {
	Actions      []string `json:"actions"`
	ExpiresAfter string   `json:"expiresAfter"`
	ReleasedBy   []string `json:"releasedBy"`
}

// migrationMap is an event's #Migration; a default is what CUE gives an answer (bool, int64,
// float64, string, []any, map[string]any).
type migrationMap struct {
	Renamed  map[string]string            `json:"renamed"`
	Removed  []string                     `json:"removed"`
	Options  map[string]map[string]string `json:"options"`
	Defaults map[string]any               `json:"defaults"`
}

type eventStatistics struct {
	Counted    []string `json:"counted"`
	Expected   string   `json:"expected"`
	Timeliness struct {
		OnTime struct {
			Days int `json:"days"`
		} `json:"onTime"`
		Late struct {
			Days int `json:"days"`
		} `json:"late"`
	} `json:"timeliness"`
	Sex        string `json:"sex"`
	MotherAge  string `json:"motherAge"`
	BirthOrder string `json:"birthOrder"`
	Attendant  string `json:"attendant"`
	Occurrence string `json:"occurrence"`
	Age        string `json:"age"`
	Cause      string `json:"cause"`
}

type duplicates struct {
	Flag    string             `json:"flag"`
	On      []string           `json:"on"`
	Confirm string             `json:"confirm"`
	Dismiss string             `json:"dismiss"`
	Rules   map[string]dupRule `json:"rules"`
}

// dupRule is a duplicate rule: a matcher with its label beside it.
type dupRule struct {
	Label string `json:"label"`
	matcher
}

// matcher is one struct of a duplicate rule's tree, as written: the checks say which keys it
// may hold together. The options are pointers, to tell a key not given from a zero.
type matcher struct {
	All             []matcher `json:"all"`
	Any             []matcher `json:"any"`
	Not             *matcher  `json:"not"`
	Name            string    `json:"name"`
	Similarity      *float64  `json:"similarity"`
	Same            string    `json:"same"`
	Differ          string    `json:"differ"`
	DateWithin      string    `json:"dateWithin"`
	Days            *int      `json:"days"`
	Years           *int      `json:"years"`
	AgeField        string    `json:"ageField"`
	DayMonthSwapped *bool     `json:"dayMonthSwapped"`
	SamePlace       string    `json:"samePlace"`
	Level           string    `json:"level"`
}

type page struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	ShownIf string  `json:"shownIf"`
	Fields  []field `json:"fields"`
}

type field struct {
	ID          string       `json:"id"`
	Type        string       `json:"type"`
	Label       string       `json:"label"`
	Hint        string       `json:"hint"`
	Required    any          `json:"required"` // nil, a bool, or a rule
	ShownIf     string       `json:"shownIf"`
	EnabledIf   string       `json:"enabledIf"`
	Calculate   string       `json:"calculate"`
	Validations []validation `json:"validations"`
	Default     any          `json:"default"`

	Min           *float64 `json:"min"`
	Max           *float64 `json:"max"`
	Integer       bool     `json:"integer"`
	Unit          string   `json:"unit"`
	Options       []option `json:"options"`
	OptionList    string   `json:"optionList"`
	Parts         []string `json:"parts"`
	Of            string   `json:"of"`
	Level         string   `json:"level"`
	Types         []string `json:"types"`
	Pattern       string   `json:"pattern"`
	DocumentTypes []string `json:"documentTypes"`
}

type validation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

type option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type workflow struct {
	Statuses []string          `json:"statuses"`
	Actions  map[string]action `json:"actions"`
}

type action struct {
	Label       string   `json:"label"`
	From        []string `json:"from"`
	To          string   `json:"to"`
	If          any      `json:"if"` // a rule, or []any of {rule, message} (see conditions)
	AddFlags    []string `json:"addFlags"`
	RemoveFlags []string `json:"removeFlags"`
	Edits       string   `json:"edits"`
	Applies     string   `json:"applies"`
	Comment     string   `json:"comment"`
	Prints      bool     `json:"prints"`
}

type numbering struct {
	Format string `json:"format"`
	Scope  string `json:"scope"`
	Action string `json:"action"`
}

type certificate struct {
	Label     string   `json:"label"`
	Languages []string `json:"languages"`
	Page      struct {
		Size        string `json:"size"`
		Orientation string `json:"orientation"`
	} `json:"page"`
	Background string `json:"background"`
	Fonts      []struct {
		Regular string `json:"regular"`
		Bold    string `json:"bold"`
	} `json:"fonts"`
	Elements []certElement `json:"elements"`
}

type certElement struct {
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	Width     float64 `json:"width"`
	Height    float64 `json:"height"`
	Size      float64 `json:"size"`
	Bold      bool    `json:"bold"`
	Align     string  `json:"align"`
	Language  int     `json:"language"`
	If        string  `json:"if"`
	Text      string  `json:"text"`
	Value     string  `json:"value"`
	Number    bool    `json:"registrationNumber"`
	Serial    bool    `json:"serial"`
	Issued    bool    `json:"issued"`
	Image     string  `json:"image"`
	QR        bool    `json:"qr"`
	Watermark string  `json:"watermark"`
}

// condition is a part of an action's condition (#Condition).
type condition struct {
	Rule    string
	Message string
	path    []any // after the action's path: "if", or "if", i, "rule"
}

// conditions are the parts of an action's `if`: the one rule it is, with no message, or each
// {rule, message} of its list.
func (a action) conditions() []condition {
	switch x := a.If.(type) {
	case string:
		return []condition{{Rule: x, path: []any{"if"}}}
	case []any:
		var out []condition
		for i, item := range x {
			m, _ := item.(map[string]any)
			rule, _ := m["rule"].(string)
			msg, _ := m["message"].(string)
			out = append(out, condition{Rule: rule, Message: msg, path: []any{"if", i, "rule"}})
		}
		return out
	}
	return nil
}
