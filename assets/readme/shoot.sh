#!/usr/bin/env bash
# shoot.sh takes the README pictures from a real run: it builds cioaep, starts the local platform,
# walks the wizard in tmux to the review and done screens, runs watch while send-test posts events,
# and renders each tmux capture with freeze. Run it from the repository root:
#
#   assets/readme/shoot.sh
#
# Needs tmux, curl, python3 (for a free port) and Go. Everything it writes, apart from the three PNGs,
# lives in a temporary home that is removed at the end.
set -euo pipefail

out=assets/readme
work=$(mktemp -d)
tm() { tmux -L cioaep-shoot "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/cioaep" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# run is cioaep with a home of its own and the local platform on that port, in colour.
{
	echo '#!/usr/bin/env bash'
	echo "export HOME='$work/home' XDG_CONFIG_HOME='$work/home/config' XDG_STATE_HOME='$work/home/state'"
	echo "export XDG_DATA_HOME='$work/home/data' XDG_CACHE_HOME='$work/home/cache'"
	echo "export CIOAEP_LOCAL_ADDR='127.0.0.1:$port' TERM=xterm-256color"
	echo 'unset NO_COLOR CI'
	echo "exec '$work/cioaep' \"\$@\""
} >"$work/run"
chmod +x "$work/run"
mkdir -p "$work/home"

# wait_for SESSION TEXT: until TEXT is on the screen (30 s at most).
wait_for() {
	for _ in $(seq 1 120); do
		tm capture-pane -t "$1" -p | grep -qF -- "$2" && return 0
		sleep 0.25
	done
	echo "shoot.sh: \"$2\" never showed in $1" >&2
	tm capture-pane -t "$1" -p >&2
	return 1
}

# shot SESSION NAME: capture with colours and render. tmux ends colours with SGR 39/49, which freeze
# does not read, so they become full resets (tmux sets every attribute again after them). freeze draws
# PNGs at four times the font size: font 7 gives a sharp picture about 1,500 pixels wide at 80 columns.
shot() {
	tm capture-pane -t "$1" -p -e | sed -e 's/\x1b\[39m/\x1b[0m/g; s/\x1b\[49m/\x1b[0m/g' >"$work/$2.ansi"
	go run github.com/charmbracelet/freeze@v0.2.2 --language ansi --window=false --padding 8 --margin 0 \
		--font.size 7 -o "$out/$2.png" "$work/$2.ansi" >/dev/null
}

# One local platform for the whole run, on the free port, so the webhook URL stays good throughout.
tm new-session -d -s serve -x 100 -y 10 "'$work/run' local serve --addr 127.0.0.1:$port; sleep 600"
wait_for serve "listening"

# The wizard at 120×28, Enter through the steps: the review, then create and the done screen.
tm new-session -d -s wizard -x 120 -y 28 "'$work/run' --local; sleep 600"
wait_for wizard "Step 1 of 9"
for step in 2 3 4 5 6 7; do
	tm send-keys -t wizard Enter
	wait_for wizard "Step $step of 9"
	sleep 1 # what the step loads (sandboxes, schemas, the mapping check) has drawn
done
shot wizard wizard-review
tm send-keys -t wizard Enter
wait_for wizard "Step 9 of 9"
sleep 1
shot wizard wizard-done
tm send-keys -t wizard q

# watch at 120×40 for a few minutes (SHOOT_MINUTES, default 5) while send-test posts samples, now and
# then every type, and an event without an id (which Customer.io never sends) is refused by validation.
url=$("$work/run" --local endpoint | grep -o 'http[^ ]*' | head -1)
tm new-session -d -s watch -x 120 -y 40 "'$work/run' --local watch; sleep 600"
wait_for watch "Last hour"
end=$((SECONDS + ${SHOOT_MINUTES:-5} * 60))
for ((i = 1; SECONDS < end; i++)); do
	if ((i % 4 == 0)); then
		"$work/run" --local send-test --all >/dev/null 2>&1 || true
	else
		"$work/run" --local send-test >/dev/null 2>&1 || true
	fi
	if ((i % 5 == 0)); then
		curl -s -o /dev/null -X POST "$url" -H 'Content-Type: application/json' \
			-d '{"object_type":"email","metric":"clicked","timestamp":1732780897,"data":{"email_address":"ada@example.com","identifiers":{"id":"42"}}}'
	fi
	sleep 10
done
sleep 3
shot watch watch
