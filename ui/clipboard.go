package ui

import (
	"io"

	"github.com/atotto/clipboard"
	"github.com/muesli/termenv"
)

// Copier returns the done screen's copy function. OSC 52 goes first because it is the one that works
// over SSH and inside tmux (with set-clipboard on); the terminal never says whether it obeyed, so the
// native clipboard is tried too, and the message says honestly which of the two was used.
func Copier(out io.Writer, terminal bool) func(text string) CopyResult {
	return func(text string) CopyResult {
		if terminal {
			termenv.NewOutput(out).Copy(text)
		}
		native := clipboard.WriteAll(text) == nil
		switch {
		case terminal && native:
			return CopyResult{OK: true, Message: "Copied to the system clipboard and sent to your terminal's clipboard (OSC 52)."}
		case native:
			return CopyResult{OK: true, Message: "Copied to the system clipboard."}
		case terminal:
			return CopyResult{OK: true, Message: "Sent to your terminal's clipboard (OSC 52); this machine has no system clipboard. If pasting gives nothing, select the URL with the mouse."}
		}
		return CopyResult{Message: "Nothing could be copied: no terminal clipboard and no system clipboard here. Select the URL with the mouse."}
	}
}
