#!/usr/bin/env bash
# A throwaway Docker Engine for ringmon's live container tests and the containers bench.
#
# It runs its own dockerd (Debian docker.io: dockerd 20.10, Engine API 1.41) with its own socket,
# data root and exec root under a fresh temporary directory, imports a tiny static-busybox image
# (no registry needed) and is stopped by its PID afterwards. It never touches /var/run/docker.sock.
#
# Usage (as root):
#   eval "$(scripts/docker-engine.sh up)"   # prints `export …` lines, see below; logs go to stderr
#   scripts/docker-engine.sh status         # is the engine in $RINGMON_DOCKER_DIR answering?
#   scripts/docker-engine.sh down [DIR]     # remove its containers, stop dockerd by PID, clean DIR
#
# `up` prints:
#   RINGMON_DOCKER_DIR           the temporary directory (socket, data root, exec root, log, pid file)
#   RINGMON_TEST_DOCKER_HOST     unix://…/docker.sock, what the live tests and the bench connect to
#   RINGMON_TEST_DOCKER_IMAGE    the imported busybox image
#   RINGMON_TEST_DOCKER_BLKDEV   the block device under the data root ('' when none): a blkio throttle
#                                rule on it turns on cgroup v1 block-I/O accounting (see below)
# `up` with RINGMON_DOCKER_DIR set to a running engine prints the same lines again and changes nothing.
# Missing packages (docker.io, busybox-static, curl) are installed with apt-get only when
# RINGMON_INSTALL_PACKAGES=1 (.ci/run sets it); otherwise `up` says which and exits 3.
#
# Exit codes: 0 ok, 3 not root (the caller may skip), 1 anything else.
set -euo pipefail

IMAGE=ringmon-test/busybox:1

log() { printf '[docker-engine %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

paths() {
  SOCK=$DIR/docker.sock
  PIDFILE=$DIR/dockerd.pid
  export DOCKER_HOST=unix://$SOCK
}
ping_engine() { curl -sf --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }
dockerd_pid() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "needs root (dockerd, cgroups, mounts); not starting an engine"
    exit 3
  fi
}

install_pkgs() {
  local need=() p
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  [ -x /bin/busybox ] || need+=(busybox-static)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  [ ${#need[@]} -eq 0 ] && return 0
  # Installing system packages is for CI (.ci/run sets this), never a side effect of a plain npm test.
  if [ "${RINGMON_INSTALL_PACKAGES:-}" != 1 ]; then
    log "${need[*]} not installed; the live Docker tests are skipped (install them, or set RINGMON_INSTALL_PACKAGES=1 to let this script apt-get them, as .ci/run does)"
    exit 3
  fi
  log "installing ${need[*]} with apt-get"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  # docker.io's postinst would start the system service; the CI VMs have /usr/sbin/policy-rc.d
  # (exit 101) so it does not. Without it, a second, default dockerd on /run/docker.sock would start.
  [ -e /usr/sbin/policy-rc.d ] || log "warning: no /usr/sbin/policy-rc.d, the docker.io package may start a system dockerd"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  for p in dockerd /bin/busybox curl; do command -v "$p" >/dev/null 2>&1 || { log "$p still missing"; exit 1; }; done
  log "apt-get install took $((SECONDS - t0)) s"
}

start_engine() {
  mkdir -p "$DIR/data" "$DIR/exec"
  rm -f "$SOCK"
  local t0 i
  t0=$(date +%s%N)
  # --bridge=none: no default docker0 bridge (a user-defined bridge network still works, with its
  # embedded DNS). --iptables=false/--ip-masq=false: no host NAT rules. cgroupfs driver: no systemd.
  setsid dockerd \
    -H "unix://$SOCK" \
    --data-root "$DIR/data" \
    --exec-root "$DIR/exec" \
    --pidfile "$PIDFILE" \
    --iptables=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 \
    --exec-opt native.cgroupdriver=cgroupfs \
    >>"$DIR/dockerd.log" 2>&1 </dev/null &
  for i in $(seq 1 300); do
    ping_engine && break
    sleep 0.1
  done
  if ! ping_engine; then
    tail -40 "$DIR/dockerd.log" >&2
    log "dockerd did not answer on $SOCK within 30 s"
    exit 1
  fi
  log "dockerd ready after $((($(date +%s%N) - t0) / 1000000)) ms, pid $(cat "$PIDFILE"), socket $SOCK"
}

build_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return 0; fi
  local rootfs=$DIR/rootfs a
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,tmp,etc,proc,sys,dev,www}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  # Skip the `busybox` applet itself: it would become a symlink to itself.
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$rootfs/bin/$a"
  done
  tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "imported $IMAGE"
}

print_env() {
  local dev
  # The block device that holds the data root. On kernels 6.9+ with cgroup v1 the blkio.throttle.*
  # counters (which dockerd reports) stay 0 until some throttle rule exists on the device; a test
  # container started with `--device-write-bps $dev:100gb` turns accounting on for the whole device.
  dev=$(df -P "$DIR/data" | awk 'NR==2{print $1}')
  case $dev in /dev/*) ;; *) dev='' ;; esac
  cat <<EOF
export RINGMON_DOCKER_DIR=$DIR
export RINGMON_TEST_DOCKER_HOST=unix://$SOCK
export RINGMON_TEST_DOCKER_IMAGE=$IMAGE
export RINGMON_TEST_DOCKER_BLKDEV=$dev
EOF
}

up() {
  need_root
  if [ -n "${RINGMON_DOCKER_DIR:-}" ] && [ -d "$RINGMON_DOCKER_DIR" ]; then
    DIR=$RINGMON_DOCKER_DIR
    paths
    if ping_engine; then
      log "engine in $DIR already answering"
      build_image
      print_env
      return 0
    fi
  fi
  install_pkgs
  DIR=$(mktemp -d /tmp/ringmon-docker.XXXXXX)
  chmod 755 "$DIR"
  paths
  start_engine
  build_image
  print_env | tee "$DIR/env"
}

status() {
  DIR=${1:-${RINGMON_DOCKER_DIR:-}}
  [ -n "$DIR" ] || { echo "RINGMON_DOCKER_DIR is not set"; exit 1; }
  paths
  echo "dir: $DIR"
  echo "dockerd pid: $(dockerd_pid || echo none)"
  ping_engine && docker ps -a --format '{{.Names}}\t{{.Status}}\t{{.Image}}'
}

down() {
  DIR=${1:-${RINGMON_DOCKER_DIR:-}}
  if [ -z "$DIR" ] || [ ! -d "$DIR" ]; then
    log "no engine directory (RINGMON_DOCKER_DIR unset or gone); nothing to stop"
    return 0
  fi
  case $DIR in /tmp/ringmon-docker.*) ;; *) log "refusing to clean $DIR (not a ringmon-docker temp dir)"; exit 1 ;; esac
  paths
  local t0=$SECONDS pid cpid i
  if ping_engine; then
    # The whole engine is throwaway: remove every container and network it has.
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker network prune -f >/dev/null 2>&1 || true
  fi
  if pid=$(dockerd_pid); then
    kill -TERM "$pid"
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "dockerd $pid still alive after 15 s, SIGKILL"; kill -KILL "$pid"; fi
  fi
  # dockerd's own containerd writes its pid here; it normally exits with dockerd.
  cpid=$DIR/exec/containerd/containerd.pid
  if [ -s "$cpid" ] && kill -0 "$(cat "$cpid")" 2>/dev/null; then kill -TERM "$(cat "$cpid")" || true; fi
  # Leftover mounts under DIR (the data root's self bind mount, overlays, netns files).
  grep -o " $DIR[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  if grep -q " $DIR" /proc/self/mounts; then
    log "mounts remain under $DIR; leaving it in place"
  else
    rm -rf "$DIR"
  fi
  # The parent cgroups dockerd created, when empty (another engine may still use them: rmdir fails then).
  rmdir /sys/fs/cgroup/*/docker 2>/dev/null || true
  log "stopped engine in $DIR (pid ${pid:-none}) in $((SECONDS - t0)) s"
}

case "${1:-up}" in
  up) up ;;
  status) status "${2:-}" ;;
  down) down "${2:-}" ;;
  *)
    echo "usage: $0 [up|status|down [DIR]]" >&2
    exit 2
    ;;
esac
