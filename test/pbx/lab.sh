#!/usr/bin/env bash
# The real-PBX lab: a PBX running outpace's own asterisk-config/ and dialplan/,
# a second PBX (pbx2) running the same with its own ports and a few agents of its
# own, as a site with several Asterisk servers (docs/scaling.md), linked to each
# other as such a site links them (pjsip.conf's link templates: outpace-link-pbx2 on
# the first, outpace-link-pbx1 on the second, for calls crossing servers), an Asterisk
# playing the public network behind both (test/pbx/carrier/), and auto-answering
# softphones (baresip) for the agents and a supervisor.
#
#   lab.sh up      build Asterisk if needed (cached), start everything, wait until
#                  ARI answers, the agents are registered and the trunk qualifies;
#                  print one status line and the variables to export
#   lab.sh down    stop exactly what `up` started (its pid files)
#   lab.sh status  what runs
#   lab.sh restart-pbx    stop the lab's PBX (its pid file) and start it again, as an
#                  Asterisk restart mid-campaign: every channel gone; the softphones'
#                  registrations are kept in its AstDB, as on a real PBX
#   lab.sh stop-carrier   stop the lab's carrier (its pid file): the trunk goes down
#                  once qualify finds no answer
#   lab.sh start-carrier  start the lab's carrier again
#   lab.sh stop-pbx2      stop the second PBX (its pid file), as a server lost mid-campaign
#   lab.sh start-pbx2     start it again (its softphones' registrations kept, as above)
#
# Settings (environment): OUTPACE_LAB_DIR (default /tmp/outpace-lab),
# OUTPACE_LAB_AGENTS (20: agent1..agent20 on the first PBX), OUTPACE_LAB_PBXS (2: 1 for
# the first PBX alone), OUTPACE_LAB_PBX2_AGENTS (2: the agents after those, agent21 and
# agent22, on the second PBX), OUTPACE_LAB_PORT_OFFSET (0; added to every port below, so
# that a second lab with its own OUTPACE_LAB_DIR runs beside the first: 1000 is a good
# step), OUTPACE_LAB_SIP_PORT (5060), OUTPACE_LAB_CARRIER_PORT (5080),
# OUTPACE_LAB_ARI_PORT (8088), OUTPACE_LAB_AMI_PORT (5038); the second PBX takes
# SIP port + 2, ARI and AMI ports + 1, and its RTP 200 ports above the first's
# (asterisk-config/rtp.conf's); the softphones listen from 5200 and send RTP from
# 30000, the carrier's RTP from 20000. ASTERISK_SRC_DIR and OUTPACE_PBX_CACHE for the
# build (build-asterisk.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab=${OUTPACE_LAB_DIR:-/tmp/outpace-lab}
agents=${OUTPACE_LAB_AGENTS:-20}
pbxs=${OUTPACE_LAB_PBXS:-2}
case "$pbxs" in 1 | 2) ;; *) printf 'outpace lab: OUTPACE_LAB_PBXS is %s: the lab runs 1 or 2 PBXs\n' "$pbxs" >&2; exit 2 ;; esac
pbx2_agents=${OUTPACE_LAB_PBX2_AGENTS:-2}
offset=${OUTPACE_LAB_PORT_OFFSET:-0}
pbx_sip=$((${OUTPACE_LAB_SIP_PORT:-5060} + offset))
carrier_sip=$((${OUTPACE_LAB_CARRIER_PORT:-5080} + offset))
ari_port=$((${OUTPACE_LAB_ARI_PORT:-8088} + offset))
ami_port=$((${OUTPACE_LAB_AMI_PORT:-5038} + offset))
pbx2_sip=$((pbx_sip + 2))
pbx2_ari_port=$((ari_port + 1))
pbx2_ami_port=$((ami_port + 1))
phone_sip=$((5200 + offset))
phone_rtp=$((30000 + offset))
carrier_rtp=$((20000 + offset))
ari_user=outpace
ari_password=change-me # asterisk-config/ari.conf's, unchanged: the lab listens on loopback only
pids="$lab/pids"

say() { printf '%s\n' "$*" >&2; }

# --- processes, by pid file only ---------------------------------------------
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_process() { # name logfile command...
  local name=$1 log=$2
  shift 2
  "$@" </dev/null >"$log" 2>&1 &
  echo $! >"$pids/$name.pid"
}

stop_all() {
  [ -d "$pids" ] || return 0
  local f pid
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local left=0
    for f in "$pids"/*.pid; do [ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    kill -KILL "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

# --- Asterisk instances --------------------------------------------------------
fill() { # template → file, with the lab's values
  sed -e "s#@MSGDIR@#$lab/carrier/machine-msgs#g" -e "s#@CARRIER_SIP_PORT@#$carrier_sip#g" "$1" >"$2"
}

asterisk_conf() { # instance dir → its asterisk.conf (every folder inside the instance)
  local d=$1
  mkdir -p "$d"/{etc,lib,data/sounds,spool/recording,run,log}
  cat >"$d/etc/asterisk.conf" <<EOF
[directories]
astetcdir => $d/etc
astmoddir => $prefix/lib/asterisk/modules
astvarlibdir => $d/lib
astdbdir => $d/lib
astkeydir => $d/lib
astdatadir => $d/data
astagidir => $d/data/agi-bin
astspooldir => $d/spool
astrundir => $d/run
astlogdir => $d/log
astsbindir => $prefix/sbin

[options]
verbose = 3
nofork = yes
EOF
  cat >"$d/etc/logger.conf" <<EOF
[logfiles]
messages => notice,warning,error,verbose
EOF
  # Asterisk's own data (documentation, ARI's descriptions, ...) from the build; sounds per instance.
  local entry
  for entry in "$prefix"/var/lib/asterisk/*; do
    [ "$(basename "$entry")" = sounds ] || ln -sfn "$entry" "$d/data/$(basename "$entry")"
  done
  ln -sfn "$core_sounds" "$d/data/sounds/en"
  # Music on hold (asterisk-config/musiconhold.conf: <datadir>/moh), the distribution's.
  ln -sfn "$moh" "$d/data/moh"
}

cli() { "$prefix/sbin/asterisk" -C "$lab/$1/etc/asterisk.conf" -rx "$2" 2>/dev/null; }

# The agents whose softphones register on each PBX: agent1..agentN on the first, the next ones on the second.
pbx2_agent_numbers() { if [ "$pbxs" = 2 ]; then seq $((agents + 1)) $((agents + pbx2_agents)); fi; }

make_pbx() { # instance sip-port ari-port ami-port rtp-shift link-to link-sip-port agent-names...
  local d="$lab/$1" sip=$2 http=$3 ami=$4 rtp_shift=$5 link_to=$6 link_sip=$7
  shift 7
  asterisk_conf "$d"
  # A PBX has its host to itself; the lab's shares one with builds and tests. Real-time
  # priority, as asterisk.conf offers it, keeps Asterisk's answers from waiting on them.
  printf 'highpriority = yes\n' >>"$d/etc/asterisk.conf"
  # outpace's own configuration, as a telephony engineer copies it ...
  cp "$repo"/asterisk-config/*.conf "$d/etc/"
  cp -r "$repo/dialplan" "$d/etc/dialplan"
  ln -sfn "$repo/sounds" "$d/data/sounds/outpace"
  # ... with only this site's values laid over it: ARI on loopback ...
  printf '\n; outpace lab: loopback only\nbindaddr = 127.0.0.1\nbindport = %s\n' "$http" >>"$d/etc/http.conf"
  # A second lab beside the first, or a second PBX, takes its RTP ports from further up.
  [ "$rtp_shift" = 0 ] || sed -i -e "s/^rtpstart = \([0-9]*\)/echo rtpstart = \$((\1 + $rtp_shift))/e" \
    -e "s/^rtpend = \([0-9]*\)/echo rtpend = \$((\1 + $rtp_shift))/e" "$d/etc/rtp.conf"
  # ... and the site's SIP: loopback, the lab carrier, the agents whose softphones are on this PBX.
  {
    cat <<EOF
; outpace lab: the site values laid over asterisk-config/pjsip.conf's templates.
[transport-udp]
type = transport
protocol = udp
bind = 127.0.0.1:$sip

[carrier](trunk-endpoint)
aors = carrier
from_domain = 127.0.0.1
media_address = 127.0.0.1
bind_rtp_to_media_address = yes

[carrier](trunk-aor)
contact = sip:127.0.0.1:$carrier_sip

; The carrier shares the agents' address: match its port too.
[carrier]
type = identify
endpoint = carrier
match = 127.0.0.1:$carrier_sip
EOF
    # The link to the other PBX, as pjsip-site.conf's example has a site write it (calls crossing servers).
    [ -z "$link_to" ] || cat <<EOF

[outpace-link-$link_to](link-endpoint)
aors = outpace-link-$link_to
media_address = 127.0.0.1
bind_rtp_to_media_address = yes
[outpace-link-$link_to](link-aor)
contact = sip:127.0.0.1:$link_sip
; The other PBX shares the lab's address: match its SIP port too.
[outpace-link-$link_to]
type = identify
endpoint = outpace-link-$link_to
match = 127.0.0.1:$link_sip
EOF
    local name
    for name in "$@"; do
      cat <<EOF

[$name](agent-endpoint)
auth = $name
aors = $name
callerid = "$name" <$name>
media_address = 127.0.0.1
bind_rtp_to_media_address = yes
[$name](agent-aor)
[$name](agent-auth)
username = $name
password = lab-$name
EOF
    done
  } >"$d/etc/pjsip-site.conf"
  # AMI, which outpace does not use, only for bench/recording-methods.ts to weigh MixMonitor against snoops.
  printf '[general]\nenabled = yes\nbindaddr = 127.0.0.1\nport = %s\n\n[outpace-lab]\nsecret = lab-ami\nread = all\nwrite = all\n' "$ami" >"$d/etc/manager.conf"
}

carrier_peer() { # name sip-port: a PBX the carrier takes calls from (its template in carrier/pjsip.conf)
  cat <<EOF

[$1](pbx-endpoint)
aors = $1

[$1]
type = aor
contact = sip:127.0.0.1:$2

[$1]
type = identify
endpoint = $1
match = 127.0.0.1:$2
EOF
}

make_carrier() {
  local d="$lab/carrier"
  asterisk_conf "$d"
  mkdir -p "$d/machine-msgs"
  fill "$here/carrier/extensions.conf" "$d/etc/extensions.conf"
  fill "$here/carrier/pjsip.conf" "$d/etc/pjsip.conf"
  carrier_peer pbx "$pbx_sip" >>"$d/etc/pjsip.conf"
  [ "$pbxs" = 1 ] || carrier_peer pbx2 "$pbx2_sip" >>"$d/etc/pjsip.conf"
  printf '[general]\nrtpstart = %s\nrtpend = %s\n' "$carrier_rtp" $((carrier_rtp + 999)) >"$d/etc/rtp.conf"
  printf '[modules]\nautoload = yes\n' >"$d/etc/modules.conf"
}

# --- softphones ----------------------------------------------------------------
make_phone() { # name sip-port rtp-base tone-hz registrar-port
  local name=$1 d="$lab/phones/$1"
  mkdir -p "$d"
  cat >"$d/config" <<EOF
poll_method epoll
sip_listen 127.0.0.1:$2
net_interface 127.0.0.1
rtp_ports $3-$(($3 + 19))
audio_player alsa,null
audio_alert alsa,null
audio_source ausine,$4
# ausine makes its tone at 48 kHz in stereo only; baresip resamples to the call's codec.
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
module_path $baresip_modules
module g711.so
module ausine.so
module alsa.so
# What the phone hears, recorded per call (dump-...-dec.wav): a whisper meant for the agent alone is checked there.
module sndfile.so
snd_path $d/heard
module_app account.so
module_app menu.so
EOF
  mkdir -p "$d/heard"
  echo "<sip:$name@127.0.0.1:$5;transport=udp>;auth_pass=lab-$name;answermode=auto;regint=60" >"$d/accounts"
}

# The tone each softphone sends: agent n at 300 + 50·n Hz, the supervisor at 2500 Hz.
tone_of() { [ "$1" = supervisor ] && echo 2500 || echo $((300 + 50 * $1)); }

# --- waiting -------------------------------------------------------------------
wait_for() { # what seconds test...
  local what=$1 secs=$2
  shift 2
  for _ in $(seq 1 $((secs * 4))); do
    "$@" && return 0
    sleep 0.25
  done
  return 1
}

ari_answers() { curl -sf -u "$ari_user:$ari_password" "http://127.0.0.1:${1:-$ari_port}/ari/asterisk/info" >/dev/null; }
registered_phones() { cli "${1:-pbx}" 'pjsip show contacts' | grep -cE 'Contact: +(agent[0-9]+|supervisor)/.* (Avail|NonQual)' || true; }
phones_registered() { [ "$(registered_phones pbx)" -ge $((agents + 1)) ] && [ "$pbxs" = 1 -o "$(registered_phones pbx2)" -ge "$pbx2_agents" ]; }
trunk_qualifies() { cli "${1:-pbx}" 'pjsip show contacts' | grep -qE 'Contact: +carrier/.* Avail'; }
trunks_qualify() { trunk_qualifies pbx && { [ "$pbxs" = 1 ] || trunk_qualifies pbx2; }; }
link_qualifies() { cli "$1" 'pjsip show contacts' | grep -qE "Contact: +outpace-link-$2/.* Avail"; }
links_qualify() { [ "$pbxs" = 1 ] || { link_qualifies pbx pbx2 && link_qualifies pbx2 pbx1; }; }

fail() {
  say "outpace lab: $1 did not come up. Last lines of $2:"
  grep -v "Remote UNIX connection" "$2" | tail -n 20 >&2 || true
  stop_all
  exit 1
}

env_lines() {
  cat <<EOF
export ARI_URL=http://127.0.0.1:$ari_port
export ARI_USERNAME=$ari_user
export ARI_PASSWORD=$ari_password
export ARI_TRUNK_ENDPOINT='PJSIP/{number}@{trunk}'
export OUTPACE_TRUNK=carrier
export OUTPACE_LAB_DIR=$lab
export OUTPACE_LAB_AGENTS=$agents
export OUTPACE_LAB_ASTERISK=$prefix/sbin/asterisk
export OUTPACE_LAB_RECORDINGS=$lab/pbx/spool/recording
export OUTPACE_LAB_AMI=outpace-lab:lab-ami@127.0.0.1:$ami_port
EOF
  [ "$pbxs" = 1 ] && return 0
  # Both PBXs as outpace names them (docs/scaling.md); each engine's ARI_APP on each.
  # Each with its link to the other (pjsip-site.conf's outpace-link-<server>): calls may cross servers.
  local server='"username":"'$ari_user'","password":"'$ari_password'","link":"PJSIP/{attempt}@outpace-link-{server}","trunks":[{"id":"carrier","maxLines":50,"maxCallsPerSecond":10}]'
  cat <<EOF
export OUTPACE_LAB_SERVERS='[{"name":"pbx1","ariUrl":"http://127.0.0.1:$ari_port",$server},{"name":"pbx2","ariUrl":"http://127.0.0.1:$pbx2_ari_port",$server}]'
export OUTPACE_LAB_PBX2_ARI_URL=http://127.0.0.1:$pbx2_ari_port
export OUTPACE_LAB_PBX2_AGENTS=$(pbx2_agent_numbers | paste -sd, -)
export OUTPACE_LAB_PBX2_RECORDINGS=$lab/pbx2/spool/recording
EOF
}

status_line() {
  local second=
  [ "$pbxs" = 1 ] || second=", PBX2 ARI http://127.0.0.1:$pbx2_ari_port with $(registered_phones pbx2) softphones registered (agents $(pbx2_agent_numbers | paste -sd, -))"
  echo "outpace lab up: PBX ARI http://127.0.0.1:$ari_port (Asterisk $(cli pbx 'core show version' | awk '{print $2}')) with $(registered_phones pbx) softphones registered ($agents agents + supervisor)$second, carrier on 127.0.0.1:$carrier_sip, trunk carrier qualified; lab folder $lab"
}

up() {
  if alive "$pids/pbx.pid"; then
    prefix=$(sed -n 's/^export OUTPACE_LAB_ASTERISK=\(.*\)\/sbin\/asterisk$/\1/p' "$lab/env")
    # As it was started, whatever this shell's settings.
    agents=$(sed -n 's/^export OUTPACE_LAB_AGENTS=//p' "$lab/env")
    pbxs=1
    grep -q '^export OUTPACE_LAB_PBX2_ARI_URL=' "$lab/env" && pbxs=2
    say "outpace lab already up (pid files in $pids); lab.sh down stops it"
    status_line
    cat "$lab/env"
    return 0
  fi
  local t0
  t0=$(date +%s)
  "$here/install-packages.sh" run
  prefix=$("$here/build-asterisk.sh" | tail -n 1)
  core_sounds=$(dirname "$(dpkg -L asterisk-core-sounds-en-wav | grep -m1 '/beep\.wav$')")
  moh=$(dirname "$(dpkg -L asterisk-moh-opsound-wav | grep -m1 '\.wav$')")
  baresip_modules=$(dirname "$(dpkg -L baresip-core | grep -m1 '/account\.so$')")
  stop_all
  rm -rf "$lab"
  mkdir -p "$pids"
  make_carrier
  local n d i instances=(carrier pbx)
  local link_to=
  [ "$pbxs" = 1 ] || link_to=pbx2
  make_pbx pbx "$pbx_sip" "$ari_port" "$ami_port" "$offset" "$link_to" "$pbx2_sip" $(for n in $(seq 1 "$agents"); do echo "agent$n"; done) supervisor
  if [ "$pbxs" = 2 ]; then
    make_pbx pbx2 "$pbx2_sip" "$pbx2_ari_port" "$pbx2_ami_port" $((offset + 200)) pbx1 "$pbx_sip" $(for n in $(pbx2_agent_numbers); do echo "agent$n"; done)
    instances+=(pbx2)
  fi
  for i in "${instances[@]}"; do
    start_process "$i" "$lab/$i/log/console.log" "$prefix/sbin/asterisk" -C "$lab/$i/etc/asterisk.conf" -f -n
  done
  for i in "${instances[@]}"; do
    wait_for "$i" 60 cli "$i" 'core waitfullybooted' >/dev/null || fail "the $i Asterisk" "$lab/$i/log/messages"
  done
  wait_for ARI 30 ari_answers || fail "ARI on 127.0.0.1:$ari_port" "$lab/pbx/log/messages"
  [ "$pbxs" = 1 ] || wait_for ARI 30 ari_answers "$pbx2_ari_port" || fail "the second PBX's ARI on 127.0.0.1:$pbx2_ari_port" "$lab/pbx2/log/messages"
  # baresip listens on its port (UDP, TCP) and the next (TLS): four apart.
  make_phone supervisor "$phone_sip" "$phone_rtp" "$(tone_of supervisor)" "$pbx_sip"
  for n in $(seq 1 "$agents"); do make_phone "agent$n" $((phone_sip + 4 * n)) $((phone_rtp + 20 * n)) "$(tone_of "$n")" "$pbx_sip"; done
  for n in $(pbx2_agent_numbers); do make_phone "agent$n" $((phone_sip + 4 * n)) $((phone_rtp + 20 * n)) "$(tone_of "$n")" "$pbx2_sip"; done
  for d in "$lab"/phones/*; do start_process "$(basename "$d")" "$d/baresip.log" baresip -f "$d"; done
  wait_for "the softphones" 30 phones_registered || {
    [ "$pbxs" = 1 ] || [ "$(registered_phones pbx2)" -ge "$pbx2_agents" ] ||
      fail "every softphone of the second PBX ($(registered_phones pbx2) of $pbx2_agents registered)" "$lab/pbx2/log/messages"
    fail "every softphone ($(registered_phones) of $((agents + 1)) registered)" "$lab/pbx/log/messages"
  }
  wait_for "the trunk" 40 trunks_qualify || {
    trunk_qualifies pbx || fail "the trunk to the carrier (qualify)" "$lab/pbx/log/messages"
    fail "the second PBX's trunk to the carrier (qualify)" "$lab/pbx2/log/messages"
  }
  # Each PBX qualifies its link every 10 s (pjsip.conf's link-aor): a crossing before the first is refused.
  wait_for "the link between the PBXs" 30 links_qualify || {
    link_qualifies pbx pbx2 || fail "the first PBX's link to the second (qualify)" "$lab/pbx/log/messages"
    fail "the second PBX's link to the first (qualify)" "$lab/pbx2/log/messages"
  }
  env_lines >"$lab/env"
  status_line
  say "started in $(($(date +%s) - t0)) s; the variables (also in $lab/env):"
  env_lines
}

# One instance of a lab that is up, by its pid file; the others are left alone.
stop_instance() { # name
  local f="$pids/$1.pid"
  alive "$f" || { say "outpace lab: no $1 running (no live pid in $f)"; return 1; }
  local pid
  pid=$(cat "$f")
  kill -TERM "$pid"
  wait_for "$1 to stop" 20 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

start_instance() { # name
  alive "$pids/$1.pid" && { say "outpace lab: $1 already running"; return 0; }
  prefix=$(sed -n 's/^export OUTPACE_LAB_ASTERISK=\(.*\)\/sbin\/asterisk$/\1/p' "$lab/env")
  [ -n "$prefix" ] || { say "outpace lab: not up (no $lab/env): run lab.sh up first"; return 1; }
  start_process "$1" "$lab/$1/log/console.log" "$prefix/sbin/asterisk" -C "$lab/$1/etc/asterisk.conf" -f -n
  wait_for "$1" 60 cli "$1" 'core waitfullybooted' >/dev/null || { say "outpace lab: the $1 Asterisk did not come up; see $lab/$1/log/messages"; return 1; }
  # The PBX's own ARI port, as `up` wrote it (this shell may not have its port offset).
  local url_var=ARI_URL
  [ "$1" = pbx2 ] && url_var=OUTPACE_LAB_PBX2_ARI_URL
  ari_port=$(sed -n "s/^export $url_var=http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p" "$lab/env")
  [ "$1" = carrier ] || wait_for ARI 30 ari_answers || { say "outpace lab: $1's ARI did not answer after the restart"; return 1; }
  say "outpace lab: $1 running again (pid $(cat "$pids/$1.pid"))"
}

status() {
  [ -d "$pids" ] || { echo "outpace lab: not up"; return 0; }
  local f
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): gone"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) stop_all && echo "outpace lab: down" ;;
  status) status ;;
  restart-pbx) stop_instance pbx && start_instance pbx ;;
  stop-carrier) stop_instance carrier && say "outpace lab: carrier stopped" ;;
  start-carrier) start_instance carrier ;;
  stop-pbx2) stop_instance pbx2 && say "outpace lab: second PBX stopped" ;;
  start-pbx2) start_instance pbx2 ;;
  *) say "usage: $0 up|down|status|restart-pbx|stop-carrier|start-carrier|stop-pbx2|start-pbx2"; exit 2 ;;
esac
