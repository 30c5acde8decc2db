package main

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/paperhound/paperhound/schema"
)

const usersUsage = `usage:
  paperhound users add      [--db DB] NAME   create NAME, or give it a new token; prints the API token
  paperhound users feed-key [--db DB] NAME   give NAME a new key for its Atom feed; prints the key
`

// usersCmd manages users from the command line: the API can't create them,
// since only a token lets anyone in.
func usersCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, usersUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "add" && args[0] != "feed-key") {
		fmt.Fprint(stderr, usersUsage)
		return errUsage
	}
	var cfg Config
	fs := cfg.flags("users "+args[0], stderr)
	cfg.storeFlags(fs)
	log, err := cfg.parse(fs, args[1:])
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "paperhound users %s: name one user\n%s", args[0], usersUsage)
		return errUsage
	}
	name := fs.Arg(0)
	store, err := schema.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer store.Close()

	if args[0] == "feed-key" {
		key, err := store.IssueFeedKey(ctx, name)
		if err != nil {
			return err
		}
		// The key alone on stdout, for scripts; how to use it on stderr.
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "feed of %s: http://HOST/v1/users/%s/feed.atom?key=%s (any earlier key no longer works)\n",
			name, url.PathEscape(name), url.QueryEscape(key))
		return nil
	}
	token, created, err := store.IssueToken(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	if created {
		fmt.Fprintf(stderr, "created user %s; send the token above as \"Authorization: Bearer TOKEN\". It is shown once.\n", name)
	} else {
		fmt.Fprintf(stderr, "new token for user %s (any earlier one no longer works); it is shown once.\n", name)
	}
	log.Debug("token issued", "user", name, "created", created)
	return nil
}
