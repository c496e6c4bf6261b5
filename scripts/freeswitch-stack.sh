#!/usr/bin/env bash
# A local FreeSWITCH + drachtio-server for the freeswitch engine's tests and
# benchmarks, on 127.0.0.1, from binaries that are already installed (this
# script builds nothing).
#
#   scripts/freeswitch-stack.sh [start]
#       Copies freeswitch-conf/ and deploy/drachtio/drachtio.conf.xml into a
#       fresh temporary directory, sets ports and fresh secrets there, starts
#       both servers in the background (logs in that directory), waits until
#       the event socket answers with the drachtio_mrf profile running and
#       drachtio-server's admin and SIP ports accept, then prints the
#       BRIDGE_TEST_FREESWITCH JSON (test/port/README.md) on stdout. The
#       directory and the stop command go to stderr; the JSON is also in
#       DIR/bridge-test-freeswitch.json.
#
#         dir=$(scripts/freeswitch-stack.sh 2>&1 >/tmp/fs.json | sed -n 's/^stack: //p')
#         BRIDGE_TEST_FREESWITCH=/tmp/fs.json BRIDGE_TEST_PORT_ENGINES=freeswitch \
#           TEST_CONCURRENCY=1 node test/support/run-tests.mjs test/port
#         scripts/freeswitch-stack.sh stop "$dir"
#
#   scripts/freeswitch-stack.sh stop DIR [--keep]
#       Stops exactly the two processes this script started for DIR (their
#       PIDs are in DIR/pids), then removes DIR unless --keep is given.
#
# Binaries: FREESWITCH_BIN (default: freeswitch on PATH, else
# /usr/local/freeswitch/bin/freeswitch, where a source build installs it) and
# DRACHTIO_BIN (default: drachtio on PATH).
#
# Ports (environment, defaults chosen clear of the project's tests):
#   FS_STACK_ESL_PORT            FreeSWITCH event socket            18821
#   FS_STACK_FS_SIP_PORT         FreeSWITCH drachtio_mrf profile    18880
#   FS_STACK_DRACHTIO_SIP_PORT   drachtio-server SIP (udp and tcp)  18870
#   FS_STACK_DRACHTIO_ADMIN_PORT drachtio-server admin              18822
#   FS_STACK_RTP_START / _END    FreeSWITCH RTP range               55000-56998
#   FS_STACK_TIMEOUT             seconds to wait for both           30
#   FS_STACK_TMPDIR              where the directory is made        ${TMPDIR:-/tmp}
set -euo pipefail

HOST=127.0.0.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "freeswitch-stack: $*" >&2; exit 1; }

# True when something accepts TCP connections on HOST:$1.
port_accepts() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

# True when the event socket accepts the password and "sofia status" lists
# the drachtio_mrf profile as running with its sip:mod_sofia@IP:PORT
# address (what drachtio-fsmrf parses).
esl_ready() {
  timeout 4 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "auth %s\n\napi sofia status\n\n" "$2" >&3
    while IFS= read -r -t 3 line <&3; do
      case $line in
        *"-ERR invalid"*) exit 2 ;;
        *drachtio_mrf*sip:mod_sofia@*RUNNING*) exit 0 ;;
      esac
    done
    exit 1' "$HOST" "$1" "$2" 2>/dev/null
}

# The PID from DIR/pids still runs a command line that names DIR (guards
# against a PID reused by another process).
ours() {
  local pid=$1 dir=$2
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir"
}

stop_stack() {
  local dir=${1:-} keep=${2:-}
  [[ -n $dir && -f $dir/pids ]] || die "stop: $dir/pids not found (give the directory start printed)"
  dir=$(cd "$dir" && pwd)
  local name pid left
  while read -r name pid; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    if ours "$pid" "$dir"; then
      kill -TERM "$pid" 2>/dev/null || true
      echo "stopping $name (pid $pid)" >&2
    fi
  done <"$dir/pids"
  for _ in $(seq 1 50); do
    left=0
    while read -r name pid; do
      [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$dir" && left=1
    done <"$dir/pids"
    [[ $left == 0 ]] && break
    sleep 0.2
  done
  while read -r name pid; do
    if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$dir"; then
      echo "$name (pid $pid) did not stop in 10 s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$dir/pids"
  if [[ $keep == --keep ]]; then
    echo "logs kept in $dir" >&2
  else
    rm -rf -- "$dir"
  fi
}

# Replace the value of one X-PRE-PROCESS set line in vars.xml; fail when
# the variable is missing (the copy must not silently keep a default).
set_var() {
  local file=$1 name=$2 value=$3
  grep -q "data=\"$name=" "$file" || die "vars.xml has no $name"
  sed -i "s|data=\"$name=[^\"]*\"|data=\"$name=$value\"|" "$file"
}

start_stack() {
  local esl_port=${FS_STACK_ESL_PORT:-18821}
  local fs_sip_port=${FS_STACK_FS_SIP_PORT:-18880}
  local dr_sip_port=${FS_STACK_DRACHTIO_SIP_PORT:-18870}
  local dr_admin_port=${FS_STACK_DRACHTIO_ADMIN_PORT:-18822}
  local rtp_start=${FS_STACK_RTP_START:-55000}
  local rtp_end=${FS_STACK_RTP_END:-56998}
  local wait_s=${FS_STACK_TIMEOUT:-30}

  local fs_bin=${FREESWITCH_BIN:-}
  if [[ -z $fs_bin ]]; then
    fs_bin=$(command -v freeswitch || true)
    [[ -z $fs_bin && -x /usr/local/freeswitch/bin/freeswitch ]] && fs_bin=/usr/local/freeswitch/bin/freeswitch
  fi
  [[ -n $fs_bin && -x $fs_bin ]] || die "no FreeSWITCH binary: set FREESWITCH_BIN or put freeswitch on PATH"
  local dr_bin=${DRACHTIO_BIN:-$(command -v drachtio || true)}
  [[ -n $dr_bin && -x $dr_bin ]] || die "no drachtio-server binary: set DRACHTIO_BIN or put drachtio on PATH"

  local p
  for p in "$esl_port" "$fs_sip_port" "$dr_sip_port" "$dr_admin_port"; do
    ! port_accepts "$p" || die "port $p on $HOST is already in use (another stack running? stop it first)"
  done

  local dir
  dir=$(mktemp -d "${FS_STACK_TMPDIR:-${TMPDIR:-/tmp}}/freeswitch-stack.XXXXXX")
  mkdir -p "$dir"/{log,db,run,tmp,storage,cache,recordings}
  cp -R "$ROOT/freeswitch-conf" "$dir/conf"
  rm -f "$dir/conf/README.md"
  cp "$ROOT/deploy/drachtio/drachtio.conf.xml" "$dir/drachtio.conf.xml"

  local esl_secret dr_secret
  esl_secret=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
  dr_secret=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')

  local vars=$dir/conf/vars.xml
  set_var "$vars" esl_ip "$HOST"
  set_var "$vars" esl_port "$esl_port"
  set_var "$vars" esl_password "$esl_secret"
  set_var "$vars" bridge_cidr "$HOST/32"
  set_var "$vars" sip_ip "$HOST"
  set_var "$vars" sip_port "$fs_sip_port"
  set_var "$vars" drachtio_cidr "$HOST/32"
  set_var "$vars" rtp_ip "$HOST"
  set_var "$vars" ext_rtp_ip "$HOST"
  set_var "$vars" rtp_start_port "$rtp_start"
  set_var "$vars" rtp_end_port "$rtp_end"

  : >"$dir/pids"
  local fs_pid dr_pid
  # -nc -nf: no console, no fork (the PID is FreeSWITCH's own); -nonat: no
  # UPnP/NAT-PMP probing; -nocal: no clock calibration at start.
  nohup "$fs_bin" -nc -nf -nonat -nocal \
    -conf "$dir/conf" -log "$dir/log" -db "$dir/db" -run "$dir/run" \
    -temp "$dir/tmp" -storage "$dir/storage" -cache "$dir/cache" -recordings "$dir/recordings" \
    </dev/null >"$dir/log/freeswitch.out" 2>&1 &
  fs_pid=$!
  echo "freeswitch $fs_pid" >>"$dir/pids"

  nohup "$dr_bin" -f "$dir/drachtio.conf.xml" \
    --contact "sip:$HOST:$dr_sip_port;transport=udp,tcp" \
    --address "$HOST" --port "$dr_admin_port" --secret "$dr_secret" \
    --loglevel info \
    </dev/null >"$dir/drachtio.log" 2>&1 &
  dr_pid=$!
  echo "drachtio $dr_pid" >>"$dir/pids"

  local deadline=$((SECONDS + wait_s)) fs_ok='' dr_ok='' rc
  while (( SECONDS < deadline )); do
    kill -0 "$fs_pid" 2>/dev/null || { fs_ok=dead; break; }
    kill -0 "$dr_pid" 2>/dev/null || { dr_ok=dead; break; }
    if [[ -z $fs_ok ]]; then
      rc=0; esl_ready "$esl_port" "$esl_secret" || rc=$?
      [[ $rc == 0 ]] && fs_ok=yes
      [[ $rc == 2 ]] && { fs_ok='refused the password'; break; }
    fi
    [[ -z $dr_ok ]] && port_accepts "$dr_admin_port" && port_accepts "$dr_sip_port" && dr_ok=yes
    [[ $fs_ok == yes && $dr_ok == yes ]] && break
    sleep 0.5
  done

  if [[ $fs_ok != yes || $dr_ok != yes ]]; then
    {
      echo "freeswitch-stack: not ready (waited up to ${wait_s}s; freeswitch: ${fs_ok:-no answer}, drachtio: ${dr_ok:-no answer})"
      echo "--- $dir/log/freeswitch.out (tail)"; tail -n 30 "$dir/log/freeswitch.out" 2>/dev/null || true
      echo "--- $dir/log/freeswitch.log (errors)"; grep -E '\[(ERR|CRIT)\]' "$dir/log/freeswitch.log" 2>/dev/null | tail -n 20 || true
      echo "--- $dir/drachtio.log (tail)"; tail -n 30 "$dir/drachtio.log" 2>/dev/null || true
    } >&2
    stop_stack "$dir" --keep
    exit 1
  fi

  local json
  json=$(printf '{"sipAddress":"%s:%s","config":{"freeswitch":{"drachtio":{"host":"%s","port":%s,"secret":"%s"},"esl":{"host":"%s","port":%s,"secret":"%s"},"eslListen":{"host":"%s","port":0},"profile":"drachtio_mrf","conferenceProfile":"bridge-8k"}},"capabilities":{"inbandDtmf":true},"pids":{"freeswitch":%s,"drachtio":%s}}' \
    "$HOST" "$dr_sip_port" "$HOST" "$dr_admin_port" "$dr_secret" "$HOST" "$esl_port" "$esl_secret" "$HOST" "$fs_pid" "$dr_pid")
  printf '%s\n' "$json" >"$dir/bridge-test-freeswitch.json"
  printf '%s\n' "$json"
  {
    echo "stack: $dir"
    echo "freeswitch pid $fs_pid (logs $dir/log), drachtio pid $dr_pid (log $dir/drachtio.log)"
    echo "stop with: $0 stop $dir   (add --keep to keep the logs)"
  } >&2
}

case ${1:-start} in
  start) start_stack ;;
  stop) stop_stack "${2:-}" "${3:-}" ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "usage: $0 [start] | stop DIR [--keep]" ;;
esac
