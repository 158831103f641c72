#!/usr/bin/env bash
# Record the paired one-shot Engine API responses in test/fixtures/docker/live-pairs/ from a throwaway
# engine (scripts/docker-engine.sh). Two readings ~1 s apart of four load containers, the same for the
# docker CLI, and a restart between two readings. Run as root:
#   eval "$(scripts/docker-engine.sh up)" && scripts/record-docker-fixtures.sh && scripts/docker-engine.sh down
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RINGMON_TEST_DOCKER_HOST:?run eval \"\$(scripts/docker-engine.sh up)\" first}"
export DOCKER_HOST=$RINGMON_TEST_DOCKER_HOST
SOCK=${DOCKER_HOST#unix://}
IMAGE=$RINGMON_TEST_DOCKER_IMAGE
DEV=$RINGMON_TEST_DOCKER_BLKDEV
OUT=test/fixtures/docker/live-pairs
mkdir -p "$OUT"

api() { curl -sf --unix-socket "$SOCK" "http://localhost$1"; }
oneshot() { api "/containers/$1/stats?stream=false&one-shot=true" | python3 -m json.tool; }

docker rm -f burner diskwriter websrv netclient >/dev/null 2>&1 || true
docker network inspect fixnet >/dev/null 2>&1 || docker network create --driver bridge fixnet >/dev/null
L=(--label ringmon-test=1)
docker run -d "${L[@]}" --name burner --network none "$IMAGE" sh -c 'while :; do :; done' >/dev/null
docker run -d "${L[@]}" --name diskwriter --network none --memory 256m \
  --device-write-bps "$DEV:100gb" --device-read-bps "$DEV:100gb" "$IMAGE" sh -c \
  'while :; do dd if=/dev/zero of=/tmp/blob bs=1M count=32 oflag=direct 2>/dev/null;
     dd if=/tmp/blob of=/dev/null bs=1M iflag=direct 2>/dev/null; rm -f /tmp/blob; sleep 0.2; done' >/dev/null
docker run -d "${L[@]}" --name websrv --network fixnet --shm-size 8m "$IMAGE" sh -c \
  'dd if=/dev/urandom of=/www/blob bs=1M count=4 2>/dev/null; dd if=/dev/zero of=/dev/shm/s bs=1M count=3 2>/dev/null;
   exec httpd -f -p 8080 -h /www' >/dev/null
docker run -d "${L[@]}" --name netclient --network fixnet "$IMAGE" sh -c \
  'while :; do wget -q -O /dev/null http://websrv:8080/blob; sleep 0.2; done' >/dev/null
sleep 3

for c in burner diskwriter websrv netclient; do oneshot "$c" >"$OUT/$c.a.json" & done
docker stats --no-stream --format '{{json .}}' >"$OUT/docker-stats.a.jsonl" &
wait
sleep 1
for c in burner diskwriter websrv netclient; do oneshot "$c" >"$OUT/$c.b.json" & done
docker stats --no-stream --format '{{json .}}' >"$OUT/docker-stats.b.jsonl" &
wait
docker inspect burner diskwriter websrv netclient | python3 -m json.tool >"$OUT/docker-inspect.json"
api /containers/json | python3 -m json.tool >"$OUT/containers-list.json"
api /version | python3 -m json.tool >"$OUT/version.json"

# A restart between two readings: the cgroup is recreated, so every counter starts again from 0.
oneshot burner >"$OUT/burner-restart.a.json"
api /containers/burner/json | python3 -m json.tool >"$OUT/burner-restart.a.inspect.json"
docker restart -t 0 burner >/dev/null
sleep 0.5
oneshot burner >"$OUT/burner-restart.b.json"
api /containers/burner/json | python3 -m json.tool >"$OUT/burner-restart.b.inspect.json"

docker rm -f burner diskwriter websrv netclient >/dev/null
docker network rm fixnet >/dev/null
echo "recorded into $OUT" >&2
