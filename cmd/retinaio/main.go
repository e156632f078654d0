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
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/retinaio/retinaio/internal/safetext"

	"github.com/retinaio/retinaio/internal/version"
)

// command is one subcommand.
type command struct {
	name    string
	summary string // one line for the command list
	// usage is the help text: the synopsis, a description and an
	// "Examples:" section; the flags are appended by the help printer.
	usage string
	// run executes the command; args exclude the command name. It parses
	// its flags with newFlagSet and parseInterspersed and reports command-line
	// mistakes with usagef or positional (exit 2); any other error is a data
	// error (exit 1) unless it is an *exitError.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// The CLI contract (README "Command-line contract"), applied here for every
// command so that no command repeats it:
//
//   - help (-h, --help, "retinaio help CMD") goes to stdout, exit 0;
//   - a command-line mistake (usageError) prints one line naming the problem
//     and a pointer to --help on stderr, exit 2;
//   - any other error is printed once on stderr with its advice, exit 1 (or
//     an *exitError's code);
//   - an interrupted run (SIGINT/SIGTERM cancels ctx) exits 130.
const (
	exitOK        = 0
	exitData      = 1
	exitUsage     = 2
	exitInterrupt = 130
)

// usageError is a command-line mistake: a missing or extra argument, an
// unknown flag or a bad flag value.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef makes a usageError; the message names the argument or flag and the
// accepted values.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Errorf(format, a...).Error()}
}

// helpRequest is returned by parseInterspersed for -h / --help; main prints
// the command's help with the flags of fs.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }

// positional checks the number of positional arguments: at least min and
// at most max (max < 0: no limit); what names them for the message
// ("FILE", "SESSION.npz").
func positional(pos []string, min, max int, what string) error {
	if len(pos) < min {
		if len(pos) == 0 {
			return usagef("missing argument: want %s", what)
		}
		return usagef("missing argument: want %s, got %d argument(s)", what, len(pos))
	}
	if max >= 0 && len(pos) > max {
		return usagef("unexpected argument %q: want %s", pos[max], what)
	}
	return nil
}

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
	if len(args) == 0 {
		fmt.Fprintln(stderr, "retinaio: missing command")
		fmt.Fprintln(stderr, "Run 'retinaio --help' for the list of commands.")
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) >= 2 && args[0] == "help" {
			if c, ok := commands[args[1]]; ok {
				return runCommand(ctx, c, []string{"--help"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "retinaio help: unknown command %q\n", args[1])
			fmt.Fprintln(stderr, "Run 'retinaio --help' for the list of commands.")
			return exitUsage
		}
		printTopUsage(stdout)
		return exitOK
	case "version", "--version":
		fmt.Fprintln(stdout, version.Name, version.String())
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "retinaio: unknown command %q\n", args[0])
		fmt.Fprintln(stderr, "Run 'retinaio --help' for the list of commands.")
		return exitUsage
	}
	return runCommand(ctx, c, args[1:], stdout, stderr)
}

// runCommand runs c and turns its result into the contract's streams and
// exit codes.
func runCommand(ctx context.Context, c *command, args []string, stdout, stderr io.Writer) int {
	err := c.run(ctx, args, stdout, stderr)
	if err == nil {
		return exitOK
	}
	var help *helpRequest
	if errors.As(err, &help) {
		printHelp(stdout, c, help.fs)
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "retinaio %s: %s\n", c.name, safetext.Message(ue.msg)) // echoes what was typed
		fmt.Fprintf(stderr, "Run 'retinaio %s --help' for usage.\n", c.name)
		return exitUsage
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())) {
		fmt.Fprintf(stderr, "retinaio %s: interrupted; outputs already completed are kept, unfinished ones were not written\n", c.name)
		return exitInterrupt
	}
	fmt.Fprintf(stderr, "retinaio %s: %s\n", c.name, safetext.Message(explain(err)))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitData
}

// printHelp prints a command's help: its usage text, then its flags (hidden
// flags, those with an empty description, are left out).
func printHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintln(w, strings.TrimSpace(c.usage))
	if ex := examples[c.name]; len(ex) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range ex {
			fmt.Fprintln(w, "  "+e)
		}
	}
	if fs == nil {
		return
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage != "" {
			flags = append(flags, f)
		}
	})
	if len(flags) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	for _, f := range flags {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "    \t%s\n", usage)
	}
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
Run 'retinaio <command> --help' (or 'retinaio help <command>') for a command's flags.

Examples:
  retinaio demo
  retinaio prepare /data/karamanlis_2024/sessions --out prepared
  retinaio help split`)
}

// newFlagSet makes a flag set for command c. It prints nothing itself:
// parseInterspersed turns -h/--help into a helpRequest and every parse
// error into a one-line usageError, which runCommand prints.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseError turns the flag package's parse errors into usage errors with
// the --flag spelling the help uses.
func parseError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return &helpRequest{fs: fs}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return usagef("unknown flag --%s", strings.TrimLeft(name, "-"))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usagef("flag --%s needs a value", strings.TrimLeft(name, "-"))
	}
	msg = strings.Replace(msg, "invalid boolean value ", "invalid value ", 1)
	msg = strings.Replace(msg, " for -", " for flag -", 1)
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		// invalid value "x" for flag -seed: parse error
		if i := strings.Index(rest, " for flag -"); i >= 0 {
			val, tail := rest[:i], rest[i+len(" for flag -"):]
			name, why, _ := strings.Cut(tail, ": ")
			name = strings.TrimLeft(name, "-")
			if f := fs.Lookup(name); f != nil {
				return usagef("--%s %s: %s (want %s)", name, val, why, flagKind(f))
			}
			return usagef("--%s %s: %s", name, val, why)
		}
	}
	return usagef("%s", msg)
}

// flagKind describes what a flag accepts, for a bad-value message.
func flagKind(f *flag.Flag) string {
	type getter interface{ Get() any }
	g, ok := f.Value.(getter)
	if !ok {
		return "see --help"
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int, int64:
		return "an integer"
	case uint, uint64:
		return "a whole number >= 0"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration such as 1.5s"
	}
	return "see --help"
}

// parseInterspersed parses flags that may appear before or after the
// positional arguments (Go's flag package stops at the first positional).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, parseError(fs, err)
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
