package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"islet/internal/config"
)

// tierFlag is the repeatable `--tier NAME=K` flag: trust tier NAME gets K runtime processes of
// its own. The zero value is empty and ready to use.
type tierFlag map[string]int

func (f *tierFlag) String() string {
	names := make([]string, 0, len(*f))
	for name := range *f {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s=%d", name, (*f)[name])
	}
	return strings.Join(parts, ",")
}

func (f *tierFlag) Type() string { return "NAME=K" }

// Set adds one NAME=K (or several, comma-separated); a tier may be given once.
func (f *tierFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		name, count, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return fmt.Errorf("%q is not NAME=K", item)
		}
		if err := config.ValidateTier(name); err != nil {
			return err
		}
		k, err := strconv.Atoi(count)
		if err != nil || k < 1 {
			return fmt.Errorf("tier %s: %q processes; want a whole number of at least 1", name, count)
		}
		if *f == nil {
			*f = tierFlag{}
		}
		if _, dup := (*f)[name]; dup {
			return fmt.Errorf("tier %s is given twice", name)
		}
		(*f)[name] = k
	}
	return nil
}
