package domain

// AllPages reads a listing page by page in pages of 5,000 and returns up to
// most items (0: all of them). Exports, the matcher's snapshot and bid checks
// all read whole listings this way.
func AllPages[T any](fetch func(Page) ([]T, string, error), most int) ([]T, error) {
	var out []T
	p := Page{Limit: 5000}
	for {
		items, next, err := fetch(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" || most > 0 && len(out) >= most {
			return out, nil
		}
		p.After = next
	}
}
