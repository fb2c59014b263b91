package dupgen

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The names people are given, by culture. Each list is roughly in order of how common the
// name is (people are drawn more often from its head), and each name has its Latin spellings,
// the commonest first, and its spelling in the culture's own script. Nerovia is Ethiopia-like:
// most of its people have Ethiopian names, which registrars type in Latin letters or in
// Ethiopic; a minority have Arabic names (Muslim families of the east and the coast), typed in
// Latin letters, several of which are in use for one name, or in Arabic script; another
// minority, francophone or anglophone, have names written with diacritics (Élodie, Traoré),
// often typed without them.
//
// Family names follow the culture: an Ethiopian's, as an Arabic-named Nerovian's, is the
// father's given name (Dawit Abebe is the son of Abebe Kebede, himself the son of Kebede), so
// the family names of those cultures are their men's given names; a francophone family name
// is inherited.

// script is a writing system names are typed in.
type script int

const (
	latin script = iota
	ethiopic
	arabic
)

// entry is a name.
type entry struct {
	// latin are its spellings in Latin letters, the commonest first, with the diacritics the
	// name has (Élodie); a variant may hold a space (Gebre Medhin).
	latin []string
	// native is its spelling in the culture's script, "" when it has none.
	native string
	male   bool
}

// accented tells whether a Latin spelling has diacritics to leave out.
func accented(s string) bool { return stripAccents(s) != s }

// stripAccents is a spelling without its diacritics, as typed on a keyboard without them.
func stripAccents(s string) string {
	return norm.NFC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s)))
}

// culture is a naming tradition of Nerovia.
type culture struct {
	id string
	// script is the script its names are also written in; latin for none but Latin.
	script script
	// native is the share of its people whose declarations are typed in that script.
	native float64
	// male and female are given names, family the family names (nil: a family name is the
	// father's given name, one of male).
	male, female, family []*entry
	all                  []*entry // male then female
	// twoGiven is the share of people given two names (Marie Élodie).
	twoGiven float64
	// similar are pairs of given names that differ little (Hassan and Hussein, a classic
	// pair for twins), by their first Latin spelling.
	similar [][2]string
	// common are the names of the common-names near-miss: a child's given names, a family
	// name, a mother's given and family names, the commonest of the culture.
	common struct{ given, family, motherGiven, motherFamily []string }
}

func (c *culture) patronymic() bool { return c.family == nil }

// given are the culture's given names, men's then women's (not to be changed).
func (c *culture) given() []*entry { return c.all }

// families are the family names of the culture.
func (c *culture) families() []*entry {
	if c.patronymic() {
		return c.male
	}
	return c.family
}

// lookup is the entry of a name of the culture by its first Latin spelling.
func (c *culture) lookup(name string) *entry {
	for _, l := range [][]*entry{c.male, c.female, c.family} {
		for _, e := range l {
			if e.latin[0] == name {
				return e
			}
		}
	}
	panic("dupgen: no name " + name + " in culture " + c.id)
}

// entries makes a list of names from lines "Latin|Latin variant|...=native"; male says whose.
func entries(male bool, lines ...string) []*entry {
	out := make([]*entry, len(lines))
	for i, l := range lines {
		spellings, native, _ := strings.Cut(l, "=")
		out[i] = &entry{latin: strings.Split(spellings, "|"), native: native, male: male}
	}
	return out
}

var ethiopian = &culture{
	id: "ethiopian", script: ethiopic, native: 0.15, twoGiven: 0.04,
	male: entries(true,
		"Abebe=አበበ", "Kebede=ከበደ", "Tesfaye|Tesfay=ተስፋዬ", "Dawit=ዳዊት", "Yonas=ዮናስ",
		"Alemu=አለሙ", "Girma=ግርማ", "Tadesse|Tadese=ታደሰ", "Bekele=በቀለ", "Haile=ኃይሌ",
		"Getachew=ጌታቸው", "Solomon=ሰሎሞን", "Yohannes|Yohanes=ዮሐንስ", "Mulugeta=ሙሉጌታ",
		"Berhanu|Birhanu=ብርሃኑ", "Tekle=ተክሌ", "Desta=ደስታ", "Wolde|Welde=ወልዴ", "Gebre|Gabre=ገብሬ",
		"Mesfin=መስፍን", "Tilahun=ጥላሁን", "Fikru=ፍቅሩ", "Henok|Henock=ሄኖክ", "Nahom=ናሆም",
		"Kidus=ቅዱስ", "Binyam|Biniam=ቢንያም", "Robel=ሮቤል", "Elias=ኤልያስ", "Samuel=ሳሙኤል",
		"Daniel=ዳንኤል", "Abel=አቤል", "Amanuel=አማኑኤል", "Tewodros=ቴዎድሮስ", "Mengistu=መንግሥቱ",
		"Asfaw=አስፋው", "Worku=ወርቁ", "Lemma|Lema=ለማ", "Negash=ነጋሽ", "Seyoum|Siyoum=ስዩም",
		"Zewdu=ዘውዱ", "Bereket=በረከት", "Ermias=ኤርሚያስ", "Eyob|Iyob=ኢዮብ", "Fasil=ፋሲል",
		"Yared=ያሬድ", "Mekonnen|Makonnen=መኮንን", "Gashaw=ጋሻው", "Derese=ደረሰ", "Tamirat=ታምራት",
		"Abiy=አብይ", "Biruk=ብሩክ", "Desalegn=ደሳለኝ", "Gebremedhin|Gebre Medhin=ገብረመድህን",
		"Gebreselassie|Gebre Selassie=ገብረሥላሴ", "Woldemariam|Wolde Mariam=ወልደማርያም",
		"Habtemariam=ሀብተማርያም", "Tesfamariam=ተስፋማርያም", "Hailemariam|Haile Mariam=ኃይለማርያም",
	),
	female: entries(false,
		"Selam=ሰላም", "Hana|Hanna=ሐና", "Meron=ሜሮን", "Tigist|Tigest=ትዕግስት", "Almaz=አልማዝ",
		"Liya|Lia=ሊያ", "Tsion|Tsiyon=ጽዮን", "Mekdes=መቅደስ", "Saba=ሳባ", "Helen=ሄለን", "Lidya=ሊዲያ",
		"Bethlehem|Betelhem=ቤተልሔም", "Aster=አስቴር", "Birtukan=ብርቱካን", "Genet=ገነት", "Mulu=ሙሉ",
		"Tsehay|Tsehai=ፀሐይ", "Yeshi=የሺ", "Meseret=መሰረት", "Rahel=ራሔል", "Ruth=ሩት", "Marta=ማርታ",
		"Eden=ኤደን", "Feven=ፌቨን", "Kalkidan=ቃልኪዳን", "Hiwot=ሕይወት", "Rediet=ረድኤት", "Sara=ሳራ",
		"Yordanos=ዮርዳኖስ", "Netsanet=ነፃነት", "Tirunesh=ጥሩነሽ", "Abeba=አበባ", "Mahlet=ማህሌት",
		"Selamawit=ሰላማዊት", "Frehiwot=ፍሬሕይወት", "Zewditu=ዘውዲቱ", "Senait=ሰናይት", "Azeb=አዜብ",
		"Workinesh=ወርቅነሽ", "Nardos=ናርዶስ", "Bezawit=ቤዛዊት",
	),
	similar: [][2]string{
		{"Abebe", "Abeba"}, {"Dawit", "Daniel"}, {"Selam", "Selamawit"}, {"Liya", "Lidya"},
		{"Yonas", "Yohannes"}, {"Haile", "Hailemariam"}, {"Tesfaye", "Tesfamariam"},
		{"Meron", "Meseret"}, {"Bereket", "Biruk"}, {"Gebre", "Gebremedhin"},
	},
}

var arab = &culture{
	id: "arabic", script: arabic, native: 0.15, twoGiven: 0.2,
	male: entries(true,
		"Mohammed|Muhammad|Mohamed=محمد", "Ahmed|Ahmad=أحمد", "Ali=علي", "Abdullah|Abdallah|Abdulla=عبد الله",
		"Hassan|Hasan=حسن", "Hussein|Hussain|Husein=حسين", "Mahmoud|Mahmud=محمود", "Omar|Umar=عمر",
		"Ibrahim|Ebrahim=إبراهيم", "Youssef|Yusuf|Yousef=يوسف", "Khalid|Khaled=خالد",
		"Mustafa|Mostafa=مصطفى", "Abdulrahman|Abdelrahman|Abdirahman=عبد الرحمن",
		"Osman|Othman|Usman=عثمان", "Idris|Idriss=إدريس", "Suleiman|Sulayman|Sleiman=سليمان",
		"Yasin|Yassin|Yassine=ياسين", "Bilal=بلال", "Hamza|Hamzah=حمزة", "Jamal|Gamal=جمال",
		"Nasser|Nasir=ناصر", "Tariq|Tarek=طارق", "Kamal=كمال", "Anwar=أنور", "Said|Saeed=سعيد",
		"Abdulkadir|Abdelkader|Abdulqadir=عبد القادر", "Faisal|Faysal=فيصل", "Khalil=خليل",
	),
	female: entries(false,
		"Fatima|Fatuma|Fatma=فاطمة", "Khadija|Khadijah|Khadidja=خديجة", "Aisha|Aysha=عائشة",
		"Maryam|Mariyam=مريم", "Zainab|Zeinab|Zaynab=زينب", "Amina|Aminah=آمنة", "Halima|Halimah=حليمة",
		"Safiya|Safia=صفية", "Hawa|Hawwa=حواء", "Noura|Nura=نورة", "Layla|Leila|Laila=ليلى",
		"Samira|Sameera=سميرة", "Rukia|Ruqayya=رقية", "Asma|Asmaa=أسماء", "Hafsa|Hafsah=حفصة",
		"Sumaya|Sumayya|Soumaya=سمية", "Yasmin|Yasmine=ياسمين", "Salma=سلمى", "Nadia|Nadiya=نادية",
		"Hind=هند", "Rahma|Rahmah=رحمة", "Zahra|Zahraa=زهراء",
	),
	similar: [][2]string{
		{"Hassan", "Hussein"}, {"Khalid", "Khalil"}, {"Samira", "Sumaya"}, {"Yasin", "Yasmin"},
		{"Mohammed", "Mahmoud"}, {"Zainab", "Zahra"}, {"Salma", "Samira"},
	},
}

var franco = &culture{
	id: "francophone", script: latin, twoGiven: 0.25,
	male: entries(true,
		"Moussa", "Ousmane", "Ibrahima", "Mamadou", "Jean", "Pierre", "Noël", "Jérôme", "André",
		"Frédéric", "Rémi", "Loïc", "Gaël", "Benoît", "Joël", "Théo", "Léo", "Raphaël", "Jérémie",
		"Oumar", "Adama", "Didier", "Patrick", "Emmanuel",
	),
	female: entries(false,
		"Aminata", "Fatoumata", "Aïcha", "Marie", "Élodie", "Zoé", "Hélène", "Chloé", "Noémie",
		"Inès", "Mélanie", "Céline", "Léa", "Anaïs", "Béatrice", "Cécile", "Éloïse", "Claire",
		"Grace", "Mariama", "Awa", "Sophie",
	),
	family: entries(true,
		"Traoré", "Diallo", "Keïta", "Koné", "Cissé", "Touré", "Ndiaye", "Camara", "Bâ", "Sow",
		"Ouédraogo", "Kaboré", "Compaoré", "Sawadogo", "Coulibaly", "Doumbia", "Sylla", "Sané",
		"Guèye", "Thiam", "Faye", "Mbaye", "Lefèvre", "Bélanger", "Gagné", "Côté", "Hébert",
		"Rivière", "Dupont", "Martin", "Johnson", "Williams",
	),
	similar: [][2]string{
		{"Élodie", "Éloïse"}, {"Léa", "Léo"}, {"Zoé", "Chloé"}, {"Jérôme", "Jérémie"},
		{"Noël", "Noémie"}, {"Marie", "Mariama"}, {"Joël", "Noël"},
	},
}

// cultures are Nerovia's naming traditions, with the share of its people of each.
var cultures = []struct {
	c     *culture
	share int // in twentieths
}{{ethiopian, 14}, {arab, 3}, {franco, 3}}

func init() {
	for _, c := range cultures {
		c.c.all = append(slices.Clone(c.c.male), c.c.female...)
	}
	ethiopian.common.given = []string{"Abebe", "Selam", "Dawit", "Hana"}
	ethiopian.common.family = []string{"Kebede", "Tesfaye", "Alemu"}
	ethiopian.common.motherGiven = []string{"Tigist", "Almaz", "Meron"}
	ethiopian.common.motherFamily = []string{"Girma", "Bekele", "Tadesse"}
	arab.common.given = []string{"Mohammed", "Fatima", "Ahmed", "Khadija"}
	arab.common.family = []string{"Ali", "Hassan", "Ahmed"}
	arab.common.motherGiven = []string{"Fatima", "Aisha", "Amina"}
	arab.common.motherFamily = []string{"Mohammed", "Omar", "Ibrahim"}
	franco.common.given = []string{"Moussa", "Aminata", "Marie", "Mamadou"}
	franco.common.family = []string{"Traoré", "Diallo", "Koné"}
	franco.common.motherGiven = []string{"Fatoumata", "Aminata", "Awa"}
	franco.common.motherFamily = []string{"Diallo", "Camara", "Cissé"}
}
