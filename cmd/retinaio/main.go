// Command retinaio prepares the Karamanlis et al. 2024 retina recordings
// (MATLAB v7.3 sessions) for model training, without Python or libhdf5.
//
// Each subcommand lives in its own file (cmd_<name>.go) and registers itself
// with register in an init function; this file only dispatches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/retinaio/retinaio/internal/safetext"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/retinaio/retinaio/internal/version"
)

// command is one subcommand.
type command struct {
	name    string
	summary string // one line for the command list
	usage   string // "retinaio ls [--json] FILE" and a longer description
	// run executes the command; args exclude the command name. Returning
	// errUsage prints the usage text.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// errUsage asks main to print the command's usage and exit 2.
var errUsage = errors.New("usage")

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go exitIfStuck(ctx, os.Stderr, stopGrace)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stopGrace is how long a command may take to stop after SIGINT/SIGTERM.
const stopGrace = 10 * time.Second

// exitIfStuck exits with status 130 when the command has not returned
// within grace of a SIGINT/SIGTERM, or at once on a second one: a goroutine
// blocked in a system call (an open of a FIFO, a stuck network file
// system) cannot see the cancelled context, and the user must still be
// able to stop retinaio. Temporary files left behind are cleaned by a
// later run (internal/staletemp).
func exitIfStuck(ctx context.Context, stderr io.Writer, grace time.Duration) {
	<-ctx.Done()
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	select {
	case <-time.After(grace):
		fmt.Fprintf(stderr, "retinaio: still busy %v after the signal; exiting\n", grace)
	case <-again:
		fmt.Fprintln(stderr, "retinaio: second signal; exiting")
	}
	os.Exit(130)
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) >= 2 && args[0] == "help" {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintln(stdout, strings.TrimSpace(c.usage))
				return 0
			}
		}
		printTopUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, version.Name, version.String())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "retinaio: unknown command %q; run 'retinaio --help' for the list\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, strings.TrimSpace(c.usage))
		return 2
	}
	fmt.Fprintf(stderr, "retinaio %s: %s%s\n", c.name, safetext.Message(err.Error()), withAdvice(err))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func printTopUsage(w io.Writer) {
	fmt.Fprintln(w, `retinaio: prepare the Karamanlis et al. 2024 retina recordings for model training.

Usage: retinaio <command> [flags] [args]

Commands:`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, `
Run 'retinaio <command> --help' for a command's flags.`)
}

// newFlagSet makes a flag set whose --help prints the command's usage text
// followed by the flags.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, strings.TrimSpace(c.usage))
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags that may appear before or after the
// positional arguments (Go's flag package stops at the first positional).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
