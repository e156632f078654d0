package main

import (
	"context"
	"fmt"
	"io"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "synthesise a small session, prepare it and summarise the result",
		usage: `retinaio demo [DIR]

Writes a small synthetic Karamanlis-layout session into DIR (default
./retinaio-demo), prepares it as 'retinaio prepare' does and prints a summary.`,
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fmt.Fprintln(stdout, "retinaio demo: the demo arrives with the loaders (issue 3); nothing to do yet.")
			return nil
		},
	})
}
