package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"needmatch/domain"
)

// cliError prints a domain error's field messages and returns its message.
func cliError(stdout io.Writer, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		for _, fe := range de.Fields {
			fmt.Fprintln(stdout, fe.Detail)
		}
	}
	return fmt.Errorf("%s", domain.ErrorMessage(err))
}

func cmdAuthorityCreate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	c, fl, err := parseConfigWith("authority create", args, getenv, func(fl *flag.FlagSet) {
		fl.String("slug", "", "the council's short name in addresses (rochdale)")
		fl.String("name", "", "the council's name")
		fl.String("code", "", "the council's GSS code (E08000005), optional")
	})
	if err != nil {
		return err
	}
	get := func(n string) string { return fl.Lookup(n).Value.String() }
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := domain.NewService(st).CreateAuthority(ctx, nil, domain.AuthorityInput{Slug: get("slug"), Name: get("name"), Code: get("code")})
	if err != nil {
		return cliError(stdout, err)
	}
	fmt.Fprintf(stdout, "created council %s (%s); load its areas with: needmatch import areas FILE --authority %s\n", a.Slug, a.ID, a.Slug)
	return nil
}

func cmdRegionCreate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	c, fl, err := parseConfigWith("region create", args, getenv, func(fl *flag.FlagSet) {
		fl.String("slug", "", "the region's short name in addresses (star)")
		fl.String("name", "", "the region's name")
		fl.String("authorities", "", "the member councils' slugs, comma-separated")
	})
	if err != nil {
		return err
	}
	get := func(n string) string { return fl.Lookup(n).Value.String() }
	var members []string
	for _, m := range strings.Split(get("authorities"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			members = append(members, m)
		}
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := domain.NewService(st).CreateRegion(ctx, nil, domain.RegionInput{Slug: get("slug"), Name: get("name"), Authorities: members})
	if err != nil {
		return cliError(stdout, err)
	}
	fmt.Fprintf(stdout, "created region %s (%s): %s\n", r.Slug, r.ID, strings.Join(r.Authorities, ", "))
	return nil
}
