package flow

import (
	"context"
	"testing"
)

// TestLocalPlatformIsSharedInProcess checks that --local starts a platform when none runs, that later callers in
// the process share it, and that it stops only when the last of them is done.
func TestLocalPlatformIsSharedInProcess(t *testing.T) {
	ctx := context.Background()
	base, stop, err := LocalPlatform(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !IsLocalPlatform(ctx, base) {
		t.Fatalf("%s does not answer as a local platform", base)
	}
	again, stop2, err := LocalPlatform(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if again != base {
		t.Errorf("second caller got %s, want the running %s", again, base)
	}
	stop()
	stop() // a second call of the same stop must not release another caller's use
	if !IsLocalPlatform(ctx, base) {
		t.Fatal("the platform stopped while a caller still used it")
	}
	stop2()
	if IsLocalPlatform(ctx, base) {
		t.Error("the platform kept running after the last caller stopped")
	}
	if IsLocalPlatform(ctx, "http://127.0.0.1:1") {
		t.Error("a closed port was taken for a local platform")
	}
}
