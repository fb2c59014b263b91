package dupgen

import (
	"math/rand/v2"
	"time"
)

// birth is a birth declaration of the example country's form (countries/nerovia/birth.cue).
type birth struct {
	id int
	c  *culture

	child                     name
	sex                       string
	dob                       time.Time
	typeOfBirth               string
	multipleOrder, birthOrder int
	weight                    float64 // 0: not given
	gestation                 int     // 0: not given
	attendant                 string
	placeType                 string
	district                  string
	facility, village         string
	placeOther, landmark      string

	mother       adult
	marriageDate time.Time // zero: not given
	fatherKnown  bool
	father       adult
	sameAddress  bool

	// What a late declaration needs besides (rendered only when the birth is late on the day
	// of the declaration).
	lateReason, lateReasonOther string
	witness                     name
	witnessNid                  string
}

func newBirth(g gen, seed uint64, id int, today time.Time, c *culture, first *entry, back int, s script) *birth {
	b := &birth{id: id, c: c, sex: sexOf(first), dob: addDays(today, -back)}

	// The names: the child's family name is the father's given name, or the father's family
	// name where family names are inherited.
	var fatherFamily word
	var fatherGiven *entry
	if c.patronymic() {
		fatherGiven = g.pickBut(c.male, first)
		fatherFamily = g.word(g.pickBut(c.male, fatherGiven))
	} else {
		fatherGiven = g.pickBut(c.male, first)
		fatherFamily = g.word(g.pick(c.family))
	}
	if c.patronymic() {
		fw := g.word(fatherGiven)
		b.child = g.name(c, first, fw, s)
		b.father.name = name{c: c, script: s, given: []word{fw}, family: []word{fatherFamily}}
	} else {
		b.child = g.name(c, first, fatherFamily, s)
		b.father.name = g.name(c, fatherGiven, fatherFamily, s)
	}
	motherFamily := g.word(g.pick(c.families()))
	b.mother.name = g.name(c, g.pickBut(c.female, motherFamily.e), motherFamily, s)

	// The child.
	b.typeOfBirth, b.birthOrder = "single", 1
	if g.chance(3) {
		b.typeOfBirth, b.multipleOrder = "twin", 1+g.r.IntN(2)
	}
	home := g.district()
	b.district = home.code
	b.placeType = g.oneOf("health-facility:70", "home:26", "other:4")
	if len(home.facilities) == 0 && b.placeType == "health-facility" {
		b.placeType = "home"
	}
	b.mother.residence = g.of(home.villages)
	switch b.placeType {
	case "health-facility":
		b.facility = g.of(home.facilities)
		b.attendant = g.oneOf("doctor:35", "nurse-midwife:65")
	case "home":
		b.village = b.mother.residence
		b.attendant = g.oneOf("traditional-birth-attendant:45", "relative-or-friend:35", "nurse-midwife:10", "none:10")
	default:
		b.village = g.of(home.villages)
		b.placeOther = g.of(otherPlaces)
		b.attendant = g.oneOf("relative-or-friend:60", "none:30", "other:10")
	}
	if b.placeType != "health-facility" && g.chance(50) {
		b.landmark = g.of(landmarks)
	}
	if b.placeType == "health-facility" && g.chance(95) || g.chance(30) {
		b.weight = round1(2.3 + 1.9*g.r.Float64())
		if b.typeOfBirth != "single" {
			b.weight = round1(1.8 + 1.2*g.r.Float64())
		}
		if g.chance(80) {
			b.gestation = 37 + g.r.IntN(5)
			if b.typeOfBirth != "single" {
				b.gestation = 34 + g.r.IntN(5)
			}
		}
	}

	// The mother: 16 to 41 at the birth, most in her twenties.
	age := 16 + g.r.IntN(14) + g.r.IntN(12)
	b.mother.dob = bornAged(b.dob, age, g.r.IntN(365))
	b.birthOrder = 1 + g.r.IntN(1+(age-16)/4)
	b.mother.nationality = g.oneOf("nerovian:94", "neighbour:5", "other:1")
	switch b.mother.nationality {
	case "neighbour":
		b.mother.nationality = g.of(neighbours)
	case "other":
		b.mother.nationalityOther = g.of(otherCountry)
	}
	nid, passport := nidOf(seed, id, roleMother), passportOf(seed, id, roleMother)
	if b.mother.nationality == "nerovian" {
		b.mother.identity(g.r, nid, passport, 85, 3)
	} else {
		b.mother.identity(g.r, nid, passport, 0, 70)
	}
	b.mother.marital = g.oneOf("married:55", "customary-union:20", "single:19", "separated:2", "divorced:2", "widowed:2")
	if b.mother.marital == "married" && g.chance(80) {
		b.marriageDate = addDays(b.dob, -(60 + g.r.IntN(365*max(1, age-18))))
		if earliest := b.mother.dob.AddDate(17, 0, 0); b.marriageDate.Before(earliest) {
			b.marriageDate = earliest
		}
		if b.marriageDate.After(b.dob) {
			b.marriageDate = time.Time{} // married after the birth: not asked here
		}
	}
	if g.chance(85) {
		b.mother.education = g.of(educations)
	}
	if g.chance(70) {
		b.mother.occupation = g.of(occupations)
	}
	if g.chance(60) {
		b.mother.phone = g.phone()
	}
	if g.chance(50) {
		b.mother.landmark = g.of(landmarks)
	}

	// The father, when the mother names him.
	known := 50
	switch b.mother.marital {
	case "married":
		known = 95
	case "customary-union":
		known = 85
	case "single":
		known = 40
	}
	b.fatherKnown = g.chance(known)
	if g.chance(80) {
		b.father.dob = bornAged(b.dob, max(18, age+g.r.IntN(13)), g.r.IntN(365))
	}
	b.father.nationality = "nerovian"
	if b.mother.nationality != "nerovian" && g.chance(60) {
		b.father.nationality, b.father.nationalityOther = b.mother.nationality, b.mother.nationalityOther
	}
	b.father.identity(g.r, nidOf(seed, id, roleFather), passportOf(seed, id, roleFather), 85, 5)
	if b.mother.marital == "married" && g.chance(70) {
		b.father.marital = "married"
	}
	if g.chance(70) {
		b.father.education = g.of(educations)
	}
	if g.chance(70) {
		b.father.occupation = g.of(occupations)
	}
	if g.chance(50) {
		b.father.phone = g.phone()
	}
	b.sameAddress = g.chance(85)
	if !b.sameAddress {
		b.father.residence = g.of(g.district().villages)
		if g.chance(50) {
			b.father.landmark = g.of(landmarks)
		}
	}

	// In case the birth is declared late.
	b.lateReason = g.oneOf("parents-unaware:30", "distance-or-cost:40", "conflict-or-displacement:5", "documents-missing:15", "other:10")
	if b.lateReason == "other" {
		b.lateReasonOther = g.of([]string{"The family was abroad when the child was born.", "The mother was ill for months after the birth.", "The family moved from another province."})
	}
	wf := g.word(g.pick(c.families()))
	b.witness = g.name(c, g.pickBut(c.given(), wf.e), wf, s)
	b.witnessNid = nidOf(seed, id, roleWitness)
	return b
}

func (b *birth) person() int        { return b.id }
func (b *birth) culture() *culture  { return b.c }
func (b *birth) ruleNames() []*name { return []*name{&b.child, &b.mother.name} }
func (b *birth) allNames() []*name {
	return []*name{&b.child, &b.mother.name, &b.father.name, &b.witness}
}

func (b *birth) clone() decl {
	c := *b
	c.child, c.mother.name, c.father.name, c.witness = b.child.clone(), b.mother.name.clone(), b.father.name.clone(), b.witness.clone()
	return &c
}

// eventDateOK tells whether the form takes a child's date of birth: not in the future, the
// mother at least 10 and the father 12 on the day.
func (b *birth) eventDateOK(dob, today time.Time) bool {
	return dateOK(dob, today) && yearsBetween(b.mother.dob, dob) >= 10 &&
		(b.father.dob.IsZero() || yearsBetween(b.father.dob, dob) >= 12)
}

func (b *birth) eventDate() time.Time     { return b.dob }
func (b *birth) setEventDate(d time.Time) { b.dob = d }

func (b *birth) leaveOut(r *rand.Rand) []string {
	var can []string
	if b.mother.idType != "none" {
		can = append(can, "mother.nid")
	}
	if b.fatherKnown {
		can = append(can, "father")
	}
	if b.weight > 0 {
		can = append(can, "child.weight")
	}
	if b.mother.education != "" || b.mother.occupation != "" || b.mother.phone != "" {
		can = append(can, "mother.details")
	}
	if !b.marriageDate.IsZero() {
		can = append(can, "mother.marriageDate")
	}
	if b.landmark != "" || b.mother.landmark != "" {
		can = append(can, "addresses")
	}
	can = drawSome(r, can)
	for _, what := range can {
		switch what {
		case "mother.nid":
			b.mother.idType, b.mother.nid, b.mother.passport = "none", "", ""
		case "father":
			b.fatherKnown = false
		case "child.weight":
			b.weight, b.gestation = 0, 0
		case "mother.details":
			b.mother.education, b.mother.occupation, b.mother.phone = "", "", ""
		case "mother.marriageDate":
			b.marriageDate = time.Time{}
		case "addresses":
			b.landmark, b.mother.landmark, b.father.landmark = "", "", ""
		}
	}
	return can
}

// data is the declaration as the runtime stores it: the answers of the fields the form shows,
// and the values of its calculated fields. Numbers are float64, as JSON decodes them.
func (b *birth) data(today time.Time) map[string]any {
	d := map[string]any{
		"child.name":          b.child.answer(),
		"child.sex":           b.sex,
		"child.dob":           fmtDay(b.dob),
		"child.typeOfBirth":   b.typeOfBirth,
		"child.birthOrder":    float64(b.birthOrder),
		"child.attendant":     b.attendant,
		"child.placeType":     b.placeType,
		"child.birthDistrict": b.district,

		"mother.name":          b.mother.name.answer(),
		"mother.dob":           fmtDay(b.mother.dob),
		"mother.ageAtBirth":    float64(yearsBetween(b.mother.dob, b.dob)),
		"mother.nationality":   b.mother.nationality,
		"mother.idType":        b.mother.idType,
		"mother.maritalStatus": b.mother.marital,
		"mother.residence":     b.mother.residence,
		"father.known":         b.fatherKnown,

		"informant.relationship": "mother",
		"informant.attestation":  true,
	}
	if b.typeOfBirth != "single" {
		d["child.multipleBirthOrder"] = float64(b.multipleOrder)
	}
	if b.weight > 0 {
		d["child.weight"] = b.weight
	}
	if b.gestation > 0 {
		d["child.gestationWeeks"] = float64(b.gestation)
	}
	if b.placeType == "health-facility" {
		d["child.facility"] = b.facility
		d["documents.birthNotification"] = docAnswer("birth-notification")
	} else {
		d["child.birthVillage"] = b.village
		if b.landmark != "" {
			d["child.birthAddress"] = address(b.landmark)
		}
	}
	if b.placeType == "other" {
		d["child.birthPlaceOther"] = b.placeOther
	}

	m := &b.mother
	setPerson(d, "mother", m)
	if m.marital == "married" && !b.marriageDate.IsZero() {
		d["mother.marriageDate"] = fmtDay(b.marriageDate)
		d["documents.marriageCertificate"] = docAnswer("marriage-certificate")
	}
	if m.phone != "" {
		d["mother.phone"] = m.phone
	}
	if doc := m.idDocument(); doc != nil {
		d["documents.motherId"] = doc
	}

	if f := &b.father; b.fatherKnown {
		d["father.name"] = f.name.answer()
		if !f.dob.IsZero() {
			d["father.dob"] = fmtDay(f.dob)
		}
		d["father.nationality"] = f.nationality
		d["father.idType"] = f.idType
		setPerson(d, "father", f)
		if f.marital != "" {
			d["father.maritalStatus"] = f.marital
		}
		if f.phone != "" {
			d["father.phone"] = f.phone
		}
		d["father.sameAddress"] = b.sameAddress
		if !b.sameAddress {
			d["father.residence"] = f.residence
			if f.landmark != "" {
				d["father.address"] = address(f.landmark)
			}
		}
		if doc := f.idDocument(); doc != nil {
			d["documents.fatherId"] = doc
		}
	}

	if yearsBetween(b.dob, today) >= 1 {
		d["registration.lateReason"] = b.lateReason
		if b.lateReason == "other" {
			d["registration.lateReasonOther"] = b.lateReasonOther
		}
		d["registration.lateEvidence"] = docAnswer("health-card")
		d["registration.witnessName"] = b.witness.answer()
		d["registration.witnessNid"] = b.witnessNid
	}
	return d
}

// setPerson sets the answers a parent's page shares: nationality written out, identity
// number, education, occupation, address.
func setPerson(d map[string]any, who string, a *adult) {
	if a.nationality == "other" {
		d[who+".nationalityOther"] = a.nationalityOther
	}
	switch a.idType {
	case "national-id":
		d[who+".nid"] = a.nid
	case "passport":
		d[who+".passport"] = a.passport
	}
	if a.education != "" {
		d[who+".education"] = a.education
	}
	if a.occupation != "" {
		d[who+".occupation"] = a.occupation
	}
	if who == "mother" && a.landmark != "" {
		d[who+".address"] = address(a.landmark)
	}
}

func address(landmark string) map[string]any { return map[string]any{"landmark": landmark} }
