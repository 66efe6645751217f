#!/bin/sh
# Start the three services of the microservices example, each its own `lamina up` on its
# own port with its own state (.lamina/ beside each template), the way each would be its
# own stack on AWS. The orders service starts last: its layer holds clients generated
# from the other two running APIs (`make clients`). Ctrl-C stops all three.
set -eu
cd "$(dirname "$0")"
LAMINA=${LAMINA:-lamina}

wait_for() {  # until something answers on 127.0.0.1:$1 (30 s at most)
    tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$1/"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 60 ]; then echo "nothing answers on port $1" >&2; exit 1; fi
        sleep 0.5
    done
}

$LAMINA up users --port 3101 &
users=$!
$LAMINA up notifications --port 3103 &
notifications=$!
trap 'kill $users $notifications 2>/dev/null || true' EXIT INT TERM
wait_for 3101
wait_for 3103
make clients LAMINA="$LAMINA"
$LAMINA up orders --port 3102
