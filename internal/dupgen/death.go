package dupgen

import (
	"math/rand/v2"
	"time"
)

// death is a death declaration of the example country's form (countries/nerovia/death.cue).
type death struct {
	id int
	c  *culture

	deceased  adult
	sex       string
	estimated bool // the date of birth is not known: the informant estimated the age
	estAge    int

	date                        time.Time
	district, placeType         string
	facility, village, landmark string
	manner                      string
	certified                   bool
	immediate, underlying, code string
	source                      string
	certifier                   name
	pregnancy                   string
	relationship                string
	informant                   adult
}

// cause is a cause of death of the WHO's form: the underlying cause (with its ICD-10 code) and
// the immediate one.
type cause struct{ underlying, code, immediate string }

// causes are common causes of death in a country like Nerovia, by age group, and of deaths
// that are not natural by their manner.
var causes = map[string][]cause{
	"infant": {
		{"Neonatal sepsis", "P36.9", "Septic shock"},
		{"Birth asphyxia", "P21.9", "Respiratory failure"},
		{"Prematurity", "P07.3", "Respiratory distress syndrome"},
		{"Pneumonia", "J18.9", "Respiratory failure"},
		{"Diarrhoeal disease", "A09", "Severe dehydration"},
	},
	"child": {
		{"Plasmodium falciparum malaria", "B50.9", "Cerebral malaria"},
		{"Pneumonia", "J18.9", "Respiratory failure"},
		{"Diarrhoeal disease", "A09", "Severe dehydration"},
		{"Measles", "B05.9", "Pneumonia"},
		{"Severe acute malnutrition", "E43", "Hypoglycaemia"},
	},
	"adult": {
		{"Pulmonary tuberculosis", "A16.2", "Respiratory failure"},
		{"HIV disease", "B24", "Pneumocystis pneumonia"},
		{"Plasmodium falciparum malaria", "B50.9", "Cerebral malaria"},
		{"Hypertensive heart disease", "I11.9", "Heart failure"},
		{"Diabetes mellitus", "E14.9", "Diabetic ketoacidosis"},
		{"Liver cirrhosis", "K74.6", "Hepatic failure"},
	},
	"elder": {
		{"Ischaemic heart disease", "I25.9", "Cardiac arrest"},
		{"Stroke", "I64", "Cerebral oedema"},
		{"Chronic obstructive pulmonary disease", "J44.9", "Respiratory failure"},
		{"Hypertensive heart disease", "I11.9", "Heart failure"},
		{"Diabetes mellitus", "E14.9", "Kidney failure"},
		{"Pneumonia", "J18.9", "Respiratory failure"},
	},
	"maternal": {
		{"Postpartum haemorrhage", "O72.1", "Hypovolaemic shock"},
		{"Eclampsia", "O15.9", "Cerebral haemorrhage"},
	},
	"accident": {
		{"Road traffic injury", "V89.2", "Traumatic brain injury"},
		{"Drowning", "W74", "Asphyxia"},
		{"Fall", "W19", "Head injury"},
	},
	"suicide":               {{"Intentional self-harm by hanging", "X70", "Asphyxia"}},
	"homicide":              {{"Assault by sharp object", "X99", "Haemorrhagic shock"}},
	"undetermined":          {{"Injury of undetermined intent", "Y34", "Multiple injuries"}},
	"pending-investigation": {{"Injury of undetermined intent", "Y34", "Multiple injuries"}},
}

// layCauses are what a family reports of a death no doctor certified, by age group.
var layCauses = map[string][]string{
	"infant": {"Fever", "Diarrhoea", "Would not feed", "Difficulty breathing"},
	"child":  {"Fever", "Diarrhoea and vomiting", "Cough and fever"},
	"adult":  {"Fever", "Cough and fever", "Sudden illness", "Long illness"},
	"elder":  {"Old age", "Sudden illness", "Swelling of the legs", "Long illness"},
}

func ageGroup(age int) string {
	switch {
	case age < 1:
		return "infant"
	case age < 15:
		return "child"
	case age < 60:
		return "adult"
	}
	return "elder"
}

func newDeath(g gen, seed uint64, id int, today time.Time, c *culture, first *entry, back int, s script, age int) *death {
	d := &death{id: id, c: c, sex: sexOf(first), date: addDays(today, -back)}
	d.deceased.name = g.name(c, first, g.word(g.pickBut(c.families(), first)), s)
	if age < 0 {
		switch g.oneOf("infant:7", "child:5", "adult:30", "elder:58") {
		case "infant":
			age = 0
		case "child":
			age = 1 + g.r.IntN(14)
		case "adult":
			age = 15 + g.r.IntN(45)
		default:
			age = 60 + g.r.IntN(20) + g.r.IntN(17)
		}
		if age >= 40 && g.chance(20) {
			// Nobody knows the date of birth: the informant estimates the age, as often as
			// not a round number.
			d.estimated, d.estAge = true, age
			if age >= 50 {
				d.estAge = (age + 2) / 5 * 5
			}
		}
	}
	d.deceased.dob = bornAged(d.date, age, g.r.IntN(365))

	a := &d.deceased
	a.nationality = g.oneOf("nerovian:96", "neighbour:4")
	if a.nationality == "neighbour" {
		a.nationality = g.of(neighbours)
	}
	a.idType = "none"
	if age >= 18 {
		a.identity(g.r, nidOf(seed, id, roleDeceased), "", 80, 3)
		a.marital = g.oneOf("married:55", "single:35", "divorced:5", "widowed:5")
		if age >= 60 {
			a.marital = g.oneOf("married:45", "widowed:40", "divorced:10", "single:5")
		}
		if g.chance(15) {
			a.marital = ""
		}
		if g.chance(60) {
			a.occupation = g.of(occupations)
			if age >= 65 && g.chance(30) {
				a.occupation = "Retired"
			}
		}
	}
	home := g.district()
	a.residence = g.of(home.villages)
	if g.chance(40) {
		a.landmark = g.of(landmarks)
	}

	where := home
	if g.chance(15) {
		where = g.district()
	}
	d.district = where.code
	d.placeType = g.oneOf("health-facility:40", "home:55", "other:5")
	if len(where.facilities) == 0 && d.placeType == "health-facility" {
		d.placeType = "home"
	}
	if d.placeType == "health-facility" {
		d.facility = g.of(where.facilities)
	} else {
		d.village = a.residence
		if where.code != home.code {
			d.village = g.of(where.villages)
		}
		if g.chance(40) {
			d.landmark = g.of(landmarks)
		}
	}

	d.manner = "natural"
	if age >= 5 {
		d.manner = g.oneOf("natural:90", "accident:7", "suicide:1", "homicide:1", "undetermined:1")
	} else if g.chance(3) {
		d.manner = "accident"
	}
	d.certified = d.placeType == "health-facility" && g.chance(85) || g.chance(5)
	if d.sex == "female" {
		d.pregnancy = g.oneOf("not-pregnant:93", "unknown:7")
	}
	d.pickCause(g)
	cc := cultures[pattern[g.r.IntN(20)]].c
	doctor := g.word(g.pick(cc.families()))
	d.certifier = g.name(cc, g.pickBut(cc.given(), doctor.e), doctor, latin)
	d.chooseInformant(g, seed)
	return d
}

// pickCause sets the cause of death by the deceased's age, sex and the manner of death, as a
// doctor certified it or as the family or a verbal autopsy told it.
func (d *death) pickCause(g gen) {
	age := d.ageAtDeath()
	group := ageGroup(age)
	list := causes[group]
	switch {
	case d.manner != "natural":
		list = causes[d.manner]
	case d.sex == "female" && age >= 15 && age <= 49 && g.chance(10):
		list = causes["maternal"]
		d.pregnancy = "within-42-days"
	}
	c := list[g.r.IntN(len(list))]
	d.immediate, d.underlying, d.code, d.source = "", "", "", ""
	if d.certified {
		d.immediate, d.underlying = c.immediate, c.underlying
		if g.chance(80) {
			d.code = c.code
		}
		return
	}
	d.source = g.oneOf("verbal-autopsy:35", "lay-report:50", "unknown:15")
	switch d.source {
	case "verbal-autopsy":
		d.immediate = c.immediate
		if g.chance(70) {
			d.underlying = c.underlying
		}
	case "lay-report":
		d.immediate = g.of(layCauses[group])
		if d.manner != "natural" {
			d.immediate = c.underlying
		}
	}
}

// chooseInformant sets who reports the death: a parent for a child, else most often the
// spouse or a child of the deceased, named as the culture names relatives.
func (d *death) chooseInformant(g gen, seed uint64) {
	c, dn := d.c, &d.deceased.name
	age := d.ageAtDeath()
	switch {
	case age < 15:
		d.relationship = "parent"
	case d.deceased.marital == "married" && g.chance(45):
		d.relationship = "spouse"
	case age >= 35 && g.chance(60):
		d.relationship = "child"
	default:
		d.relationship = g.oneOf("sibling:40", "other-relative:30", "village-chief:15", "health-worker:10", "other:5")
	}
	family := g.word(g.pick(c.families()))
	var given *entry
	switch d.relationship {
	case "parent": // the father: the deceased's family name is his given name where it is so
		if c.patronymic() {
			given = dn.family[0].e
			family = g.word(g.pickBut(c.male, given))
		} else {
			given, family = g.pick(c.male), dn.family[0]
		}
	case "spouse":
		given = g.pick(c.sexed(d.sex == "female"))
	case "child":
		given = g.pick(c.given())
		if d.sex == "male" {
			family = dn.given[0]
			if !c.patronymic() {
				family = dn.family[0]
			}
		}
	case "sibling":
		given, family = g.pick(c.given()), dn.family[0]
	default:
		given = g.pick(c.given())
	}
	if given == family.e {
		given = g.pickBut(c.given(), family.e)
	}
	i := &d.informant
	i.name = g.name(c, given, family, dn.script)
	i.identity(g.r, nidOf(seed, d.id, roleInformant), "", 85, 0)
	i.phone = g.phone()
	if g.chance(70) {
		i.residence = d.deceased.residence
	}
}

// ageAtDeath is the age in whole years the form works out (death.ageAtDeath).
func (d *death) ageAtDeath() int {
	if d.estimated {
		return d.estAge
	}
	return yearsBetween(d.deceased.dob, d.date)
}

func (d *death) person() int        { return d.id }
func (d *death) culture() *culture  { return d.c }
func (d *death) ruleNames() []*name { return []*name{&d.deceased.name} }
func (d *death) allNames() []*name {
	return []*name{&d.deceased.name, &d.informant.name, &d.certifier}
}

func (d *death) clone() decl {
	c := *d
	c.deceased.name, c.informant.name, c.certifier = d.deceased.name.clone(), d.informant.name.clone(), d.certifier.clone()
	return &c
}

// eventDateOK tells whether the form takes a date of death: not in the future, nor before the
// deceased's birth when it is known.
func (d *death) eventDateOK(date, today time.Time) bool {
	return dateOK(date, today) && (d.estimated || !date.Before(d.deceased.dob))
}

func (d *death) eventDate() time.Time        { return d.date }
func (d *death) setEventDate(date time.Time) { d.date = date }

func (d *death) leaveOut(r *rand.Rand) []string {
	var can []string
	if !d.estimated {
		can = append(can, "deceased.dob")
	}
	if d.deceased.idType == "national-id" {
		can = append(can, "deceased.nid")
	}
	if d.deceased.marital != "" || d.deceased.occupation != "" {
		can = append(can, "deceased.details")
	}
	if d.informant.residence != "" || d.deceased.landmark != "" || d.landmark != "" {
		can = append(can, "addresses")
	}
	if d.code != "" {
		can = append(can, "cause.underlyingCode")
	}
	can = drawSome(r, can)
	for _, what := range can {
		switch what {
		case "deceased.dob":
			d.estAge, d.estimated = d.ageAtDeath(), true
		case "deceased.nid":
			d.deceased.idType, d.deceased.nid = "none", ""
		case "deceased.details":
			d.deceased.marital, d.deceased.occupation = "", ""
		case "addresses":
			d.informant.residence, d.deceased.landmark, d.landmark = "", "", ""
		case "cause.underlyingCode":
			d.code = ""
		}
	}
	return can
}

// data is the declaration as the runtime stores it (see birth.data).
func (d *death) data(today time.Time) map[string]any {
	a, age := &d.deceased, d.ageAtDeath()
	m := map[string]any{
		"deceased.name":        a.name.answer(),
		"deceased.sex":         d.sex,
		"deceased.nationality": a.nationality,
		"deceased.idType":      a.idType,
		"deceased.residence":   a.residence,

		"death.date":               fmtDay(d.date),
		"death.ageAtDeath":         float64(age),
		"death.district":           d.district,
		"death.placeType":          d.placeType,
		"death.manner":             d.manner,
		"death.medicallyCertified": d.certified,

		"informant.relationship": d.relationship,
		"informant.name":         d.informant.name.answer(),
		"informant.idType":       d.informant.idType,
		"informant.phone":        d.informant.phone,
		"informant.attestation":  true,
	}
	if d.estimated {
		m["deceased.estimatedAge"] = float64(d.estAge)
	} else {
		m["deceased.dob"] = fmtDay(a.dob)
		if age < 1 {
			m["death.ageInDays"] = float64(daysBetween(a.dob, d.date))
		}
	}
	if a.idType == "national-id" {
		m["deceased.nid"] = a.nid
	}
	if a.marital != "" {
		m["deceased.maritalStatus"] = a.marital
	}
	if a.occupation != "" {
		m["deceased.occupation"] = a.occupation
	}
	if a.landmark != "" {
		m["deceased.address"] = address(a.landmark)
	}
	if d.placeType == "health-facility" {
		m["death.facility"] = d.facility
	} else {
		m["death.village"] = d.village
		if d.landmark != "" {
			m["death.address"] = address(d.landmark)
		}
	}
	if d.immediate != "" {
		m["cause.immediate"] = d.immediate
	}
	if d.underlying != "" {
		m["cause.underlying"] = d.underlying
	}
	if d.certified {
		if d.code != "" {
			m["cause.underlyingCode"] = d.code
		}
		m["cause.certifier"] = d.certifier.answer()
		m["documents.medicalCertificate"] = docAnswer("medical-certificate")
	} else {
		m["cause.source"] = d.source
	}
	if d.sex == "female" && age >= 10 && age <= 49 {
		m["cause.pregnancy"] = d.pregnancy
	}
	if d.informant.idType == "national-id" {
		m["informant.nid"] = d.informant.nid
		m["documents.informantId"] = docAnswer("national-id")
	}
	if d.informant.residence != "" {
		m["informant.residence"] = d.informant.residence
	}
	if d.manner != "natural" && d.manner != "undetermined" {
		m["documents.policeReport"] = docAnswer("police-report")
	}
	return m
}
