package domain

import (
	"slices"
	"testing"
)

func TestOrgDetailsCheck(t *testing.T) {
	for _, c := range []struct {
		name   string
		kind   string
		in     OrgDetails
		fields []string
		want   func(d OrgDetails) bool
	}{
		{"empty is fine", KindGroup, OrgDetails{}, nil, nil},
		{"charity 6 digits", KindGroup, OrgDetails{CharityNumber: "123456"}, nil, nil},
		{"charity 8 digits", KindGroup, OrgDetails{CharityNumber: "12345678"}, nil, nil},
		{"charity 5 digits", KindGroup, OrgDetails{CharityNumber: "12345"}, []string{"charityNumber"}, nil},
		{"charity 9 digits", KindGroup, OrgDetails{CharityNumber: "123456789"}, []string{"charityNumber"}, nil},
		{"charity letters", KindGroup, OrgDetails{CharityNumber: "SC04561"}, []string{"charityNumber"}, nil},
		{"company digits", KindSupplier, OrgDetails{CompanyNumber: "01234567"}, nil, nil},
		{"company Scottish, lower case and spaced", KindSupplier, OrgDetails{CompanyNumber: " sc 123456 "}, nil, func(d OrgDetails) bool { return d.CompanyNumber == "SC123456" }},
		{"company 7 digits", KindSupplier, OrgDetails{CompanyNumber: "1234567"}, []string{"companyNumber"}, nil},
		{"company three letters", KindSupplier, OrgDetails{CompanyNumber: "ABC12345"}, []string{"companyNumber"}, nil},
		{"postcode cleaned", KindGroup, OrgDetails{Address: &Address{Line1: "1 Road", Town: "Stockport", Postcode: " sk1  3xe"}}, nil, func(d OrgDetails) bool { return d.Address.Postcode == "SK1 3XE" }},
		{"postcode London", KindGroup, OrgDetails{Address: &Address{Line1: "1 Road", Town: "London", Postcode: "EC1A 1BB"}}, nil, nil},
		{"postcode M1", KindGroup, OrgDetails{Address: &Address{Line1: "1 Road", Town: "Manchester", Postcode: "M1 1AE"}}, nil, nil},
		{"postcode bad", KindGroup, OrgDetails{Address: &Address{Line1: "1 Road", Town: "Stockport", Postcode: "SK99 99X"}}, []string{"address.postcode"}, nil},
		{"postcode missing, town missing", KindGroup, OrgDetails{Address: &Address{Line1: "1 Road"}}, []string{"address.town", "address.postcode"}, nil},
		{"an empty address is none", KindGroup, OrgDetails{Address: &Address{Line1: "  "}}, nil, func(d OrgDetails) bool { return d.Address == nil }},
		{"phone landline", KindGroup, OrgDetails{Phone: "0161 474 4000"}, nil, nil},
		{"phone +44 (0)", KindGroup, OrgDetails{Phone: "+44 (0)161 474 4000"}, nil, nil},
		{"phone too short", KindGroup, OrgDetails{Phone: "0161 474"}, []string{"phone"}, nil},
		{"phone letters", KindGroup, OrgDetails{Phone: "0161 CALL NOW"}, []string{"phone"}, nil},
		{"phone foreign", KindGroup, OrgDetails{Phone: "+33 1 23 45 67 89"}, []string{"phone"}, nil},
		{"website", KindGroup, OrgDetails{Website: "https://www.example.org/about"}, nil, nil},
		{"website script", KindGroup, OrgDetails{Website: "javascript:alert(1)"}, []string{"website"}, nil},
		{"website no host", KindGroup, OrgDetails{Website: "https://localhost"}, []string{"website"}, nil},
		{"website with a password", KindGroup, OrgDetails{Website: "https://u:p@example.org"}, []string{"website"}, nil},
		{"group's main contact", KindGroup, OrgDetails{MainContact: &Contact{Name: "Sam Jones", Email: "Sam@Example.org"}}, nil, func(d OrgDetails) bool { return d.MainContact.Email == "sam@example.org" }},
		{"group's social value lead", KindGroup, OrgDetails{SocialValueLead: &Contact{Name: "Sam Jones"}}, []string{"socialValueLead"}, nil},
		{"supplier's main contact", KindSupplier, OrgDetails{MainContact: &Contact{Name: "Sam Jones"}}, []string{"mainContact"}, nil},
		{"lead without a name, bad email", KindSupplier, OrgDetails{SocialValueLead: &Contact{Email: "nope"}}, []string{"socialValueLead.name", "socialValueLead.email"}, nil},
		{"an empty contact is none", KindSupplier, OrgDetails{SocialValueLead: &Contact{Name: " "}}, nil, func(d OrgDetails) bool { return d.SocialValueLead == nil }},
		{"legal name with a zero-width space", KindGroup, OrgDetails{LegalName: "Larder\u200b CIO"}, []string{"legalName"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v Validation
			d := c.in
			d.check(&v, c.kind)
			var got []string
			for _, f := range v.fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, c.fields) {
				t.Fatalf("fields = %v, want %v (%+v)", got, c.fields, v.fields)
			}
			if c.want != nil && !c.want(d) {
				t.Fatalf("cleaned = %+v", d)
			}
		})
	}
}
