package domain

import (
	"net/url"
	"regexp"
	"strings"
)

// Contact is a named person of an organisation: a supplier's social value
// lead or a group's main contact. Officers see it; the other side of a
// pledge sees it only when the organisation shares it (ShareContact).
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Address is a UK postal address.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Town     string `json:"town"`
	Postcode string `json:"postcode"`
}

// OrgDetails are an organisation's due-diligence details, given at
// registration and on the profile and shown to officers when they approve
// it. None of them is ever in open data or on a public page.
type OrgDetails struct {
	LegalName string `json:"legalName,omitempty"`
	// CharityNumber is a registered charity's number: 6 to 8 digits.
	CharityNumber string `json:"charityNumber,omitempty"`
	// CompanyNumber is a Companies House number: 8 digits, or two letters
	// and 6 digits (SC123456).
	CompanyNumber string   `json:"companyNumber,omitempty"`
	Address       *Address `json:"address,omitempty"`
	Phone         string   `json:"phone,omitempty"`
	Website       string   `json:"website,omitempty"`
	// SocialValueLead is a supplier's named contact.
	SocialValueLead *Contact `json:"socialValueLead,omitempty"`
	// MainContact is a group's named contact.
	MainContact *Contact `json:"mainContact,omitempty"`
	// ShareContact lets the other side of the organisation's pledges see
	// its named contact (with email and phone) on their message threads.
	ShareContact bool `json:"shareContact,omitempty"`
	// BaseWard (a ward code of the council) or BasePostcodeDistrict (an
	// outward code, SK4) is where a supplier is based, for local spend.
	BaseWard             string `json:"baseWard,omitempty"`
	BasePostcodeDistrict string `json:"basePostcodeDistrict,omitempty"`
}

var (
	charityNumber = regexp.MustCompile(`^[0-9]{6,8}$`)
	companyNumber = regexp.MustCompile(`^([0-9]{8}|[A-Z]{2}[0-9]{6})$`)
	// ukPostcode is the shape of a UK postcode, outward and inward codes
	// (the space is put back by normalisePostcode).
	ukPostcode = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{2})$`)
)

// normalisePostcode upper-cases a postcode and puts one space before its
// inward code (the last three characters).
func normalisePostcode(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(s) < 5 {
		return s
	}
	return s[:len(s)-3] + " " + s[len(s)-3:]
}

// checkPhone accepts a UK telephone number: 10 or 11 digits starting with
// 0, or +44 and 9 or 10 digits, with spaces, dashes and brackets between.
func checkPhone(v *Validation, field, s string) {
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '(' || r == ')':
			return -1
		}
		return 'x'
	}, strings.TrimPrefix(s, "+44"))
	if strings.HasPrefix(s, "+44") {
		digits = "0" + strings.TrimPrefix(digits, "0")
	}
	if len(s) > 30 || strings.Contains(digits, "x") || !strings.HasPrefix(digits, "0") || len(digits) < 10 || len(digits) > 11 {
		v.Add(field, "Enter a UK telephone number, like 0161 474 4000 or +44 161 474 4000")
	}
}

// checkWebsite accepts an http or https address with a host name.
func checkWebsite(v *Validation, field, s string) {
	u, err := url.Parse(s)
	if len(s) > 200 || err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Hostname(), ".") || u.User != nil || invisible(s) {
		v.Add(field, "Enter a website address starting with https://, like https://www.example.org")
	}
}

// clean trims every field, upper-cases the numbers and the postcode and
// drops an address or contact left empty.
func (d *OrgDetails) clean() {
	d.LegalName = cleanName(d.LegalName)
	d.CharityNumber = strings.TrimSpace(d.CharityNumber)
	d.CompanyNumber = strings.ToUpper(strings.Join(strings.Fields(d.CompanyNumber), ""))
	d.Phone, d.Website = strings.TrimSpace(d.Phone), strings.TrimSpace(d.Website)
	d.BaseWard = strings.TrimSpace(d.BaseWard)
	d.BasePostcodeDistrict = strings.ToUpper(strings.Join(strings.Fields(d.BasePostcodeDistrict), ""))
	if a := d.Address; a != nil {
		a.Line1, a.Line2, a.Town = cleanName(a.Line1), cleanName(a.Line2), cleanName(a.Town)
		a.Postcode = normalisePostcode(a.Postcode)
		if *a == (Address{}) {
			d.Address = nil
		}
	}
	for _, c := range []**Contact{&d.SocialValueLead, &d.MainContact} {
		if *c == nil {
			continue
		}
		p := *c
		p.Name, p.Role, p.Email, p.Phone = cleanName(p.Name), cleanName(p.Role), NormaliseEmail(p.Email), strings.TrimSpace(p.Phone)
		if *p == (Contact{}) {
			*c = nil
		}
	}
}

// check cleans the details and records what is wrong with them for an
// organisation of the kind; every field is optional, but one given must
// have its format.
func (d *OrgDetails) check(v *Validation, kind string) {
	d.clean()
	if d.LegalName != "" {
		checkName(v, "legalName", d.LegalName, 2, 200)
	}
	if d.CharityNumber != "" && !charityNumber.MatchString(d.CharityNumber) {
		v.Add("charityNumber", "Enter a charity number of 6 to 8 digits, like 1123456")
	}
	if d.CompanyNumber != "" && !companyNumber.MatchString(d.CompanyNumber) {
		v.Add("companyNumber", "Enter a company number of 8 characters, like 01234567 or SC123456")
	}
	if a := d.Address; a != nil {
		checkName(v, "address.line1", a.Line1, 1, 200)
		if a.Line2 != "" {
			checkName(v, "address.line2", a.Line2, 1, 200)
		}
		checkName(v, "address.town", a.Town, 1, 100)
		if !ukPostcode.MatchString(a.Postcode) {
			v.Add("address.postcode", "Enter a real UK postcode, like SK1 3XE")
		}
	}
	checkText(v, "baseWard", d.BaseWard, 0, 20, false)
	if d.BasePostcodeDistrict != "" && !postcodeDistrict.MatchString(d.BasePostcodeDistrict) {
		v.Add("basePostcodeDistrict", "Enter the first part of a postcode, like SK4")
	}
	if d.Phone != "" {
		checkPhone(v, "phone", d.Phone)
	}
	if d.Website != "" {
		checkWebsite(v, "website", d.Website)
	}
	own, other, field, otherField := d.SocialValueLead, d.MainContact, "socialValueLead", "mainContact"
	if kind == KindGroup {
		own, other, field, otherField = d.MainContact, d.SocialValueLead, "mainContact", "socialValueLead"
	}
	if other != nil {
		v.Add(otherField, "A %s gives its named contact as %s", kind, field)
	}
	if own != nil {
		checkName(v, field+".name", own.Name, 2, 200)
		if own.Role != "" {
			checkName(v, field+".role", own.Role, 2, 100)
		}
		if own.Email != "" {
			checkEmail(v, field+".email", own.Email)
		}
		if own.Phone != "" {
			checkPhone(v, field+".phone", own.Phone)
		}
	}
}

// NamedContact is the organisation's named contact: its social value lead
// (supplier) or main contact (group); nil when none was given.
func (d *OrgDetails) NamedContact() *Contact {
	if d.SocialValueLead != nil {
		return d.SocialValueLead
	}
	return d.MainContact
}
