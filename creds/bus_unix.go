//go:build linux || freebsd || openbsd || netbsd || dragonfly

package creds

import (
	"fmt"
	"os"
	"path/filepath"
)

// SessionBusAvailable reports whether a D-Bus session bus can be found without launching one, by the
// same rules godbus uses: DBUS_SESSION_BUS_ADDRESS, else /run/user/<uid>/bus or dbus-session.
//
// It matters because, with no address, godbus runs dbus-launch; where dbus-x11 is installed (common on
// servers that once had a desktop) that starts a bus and a keyring daemon that outlive cioaep, once per
// run. Checking first turns that into a plain "no D-Bus session bus".
func SessionBusAvailable() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	run := fmt.Sprintf("/run/user/%d", os.Getuid())
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(run, name)); err == nil {
			return true
		}
	}
	return false
}
