# shellcheck shell=bash
# Attack scenarios for scripts/testbed, sourced by it (uses its helpers: nsx, log, die, add_host,
# start_kamailio, uas, uac, wait_uas, PIDS, RUN_DIR, CONF ...). Kept in its own file so that the
# testbed script itself only gains a few hook lines.
#
# Extra topology, built on demand by the first attack scenario (atk_up) and removed by `down`:
#
#   sw-atk  atk0 10.77.0.66 fd77::66 ── p-atk ── br0 (mirrored like every host port)
#   sw-uas  uas0 also 10.77.0.23 and 10.77.0.24: two more "devices" (sipp) for svmap to find
#
# Tools: sipvicious 0.3.3 (svmap, svwar, svcrack), sipp 3.6.1, node (fuzz.js). Network rule: every
# target is a testbed address; sipvicious always runs with -b/-x (never -A, which connects to an
# outside host to learn its address, never -R, which mails a traceback, never --randomscan); every
# tool runs under `timeout` and with a bounded count.

NS_ATK=sw-atk
ATK4=10.77.0.66 ATK6=fd77::66
EXTRA_UAS4=(10.77.0.23 10.77.0.24)
# svmap sweep: 31 addresses (SIP-REC-02 wants >= 20 hosts in 10 s). 4 answer (kamailio .21,
# sipp .22 .23 .24); the other 27 are dark.
SWEEP_FIRST=20 SWEEP_LAST=50
SWEEP="10.77.0.$SWEEP_FIRST-10.77.0.$SWEEP_LAST"
ATK_SCENARIOS=(benign-mix atk-svmap atk-svwar atk-svcrack atk-invite-flood atk-register-flood atk-fuzz)
# Upper bound for any single attack tool run, in seconds (`timeout`), on top of its own limits.
ATK_TOOL_TIMEOUT=60

atk_is_up() {
  [[ -e "/run/netns/$NS_ATK" ]] && nsx "$NS_ATK" ip link show atk0 >/dev/null 2>&1
}

atk_down() { ns_remove "$NS_ATK"; }

# ns_remove NS: ends what runs in the extra namespace NS (TERM, then KILL) and deletes it, if it
# exists (fs38.sh's fs_down uses it too).
ns_remove() {
  local ns="$1" pid
  [[ -e "/run/netns/$ns" ]] || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  sleep 0.2
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns delete "$ns"
}

atk_up() {
  local ip i
  is_up || die "testbed is down: run 'scripts/testbed up' first"
  atk_is_up && return 0
  atk_down
  ip netns add "$NS_ATK"
  add_host "$NS_ATK" atk0 p-atk "$ATK4" "$ATK6"
  for ip in "${EXTRA_UAS4[@]}"; do nsx "$NS_UAS" ip addr replace "$ip/24" dev uas0; done
  # Dark addresses of the sweep: a permanent neighbour entry (a MAC nobody owns) makes the probe
  # leave the attacker, as it would through a router on a real network. Without it the kernel
  # only ARPs for the address and no SIP packet ever reaches the wire, so a sensor would see a
  # sweep of 4 hosts instead of 31. The bridge floods the frame; no host accepts it.
  for ((i = SWEEP_FIRST; i <= SWEEP_LAST; i++)); do
    case " ${REG4##*.} ${UAS4##*.} ${EXTRA_UAS4[*]##*.} " in *" $i "*) continue ;; esac
    nsx "$NS_ATK" ip neigh replace "10.77.0.$i" lladdr "$(printf '02:77:00:00:00:%02x' "$i")" \
      dev atk0 nud permanent
  done
  for i in $(seq 1 20); do
    nsx "$NS_BR" bridge link show dev p-atk | grep -q 'state forwarding' && break
    [[ $i -eq 20 ]] && die "p-atk does not forward"
    sleep 0.1
  done
  log "attacker up: $NS_ATK atk0 $ATK4 $ATK6; extra devices ${EXTRA_UAS4[*]}"
}

# Phase markers: wall-clock time around each attack tool run, so that attack-labels.js can tell
# which packets of the attacker belong to which attack (one capture may hold several).
PHASES_FILE=
phase() {
  local name="$1"; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$@" || rc=$?
  t1=$(date +%s.%N)
  [[ -n $PHASES_FILE ]] && printf '%s\t%s\t%s\n' "$name" "$t0" "$t1" >>"$PHASES_FILE"
  return "$rc"
}

# atk_tool NAME CMD...: run one attack tool in sw-atk, bounded by ATK_TOOL_TIMEOUT, output in RUN_DIR.
atk_tool() {
  local name="$1"; shift
  local rc=0
  (cd "$RUN_DIR" && exec ip netns exec "$NS_ATK" timeout "$ATK_TOOL_TIMEOUT" "$@" \
    >"$RUN_DIR/$name.atk.log" 2>&1) || rc=$?
  [[ $rc -eq 0 ]] || die "attack tool $name exited $rc (see $RUN_DIR/$name.atk.log)"
}

# Background sipp (benign traffic or an extra device). Bounded by its own -timeout.
BG_PIDS=()
bg_sipp() {
  local name="$1" ns="$2"; shift 2
  (cd "$RUN_DIR" && exec ip netns exec "$ns" sipp "$@" -nostdin -trace_err \
    -error_file "$RUN_DIR/$name.err" >"$RUN_DIR/$name.log" 2>&1) &
  PIDS+=("$!")
  BG_PIDS+=("$!:$name")
}

# wait_listen_on NS IP PORT: bounded wait until something listens on that exact UDP address.
wait_listen_on() {
  local ns="$1" ip="$2" port="$3" i
  for i in $(seq 1 40); do
    nsx "$ns" ss -H -lun "src $ip and sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  die "nothing listens on udp $ip:$port in $ns"
}

bg_wait() { wait_all BG_PIDS "$RUN_DIR" 'background sipp'; }

# wait_all LIST DIR WHAT: waits for every "pid:name" in the array named LIST and empties it; the
# first that failed ends the run, naming its log DIR/name.log (fs38.sh's fs_wait uses it too).
wait_all() {
  local -n pending="$1"
  local dir="$2" what="$3" e pid name rc
  for e in "${pending[@]}"; do
    pid=${e%%:*} name=${e#*:} rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq 0 ]] || die "$what $name exited $rc (see $dir/$name.log)"
  done
  pending=()
}

# benign_bg SECONDS CALLS: the ordinary traffic that every attack capture also holds, from the
# UAC (10.77.0.11): OPTIONS keepalive to kamailio every second, one digest registration of
# extension 101 (not alice: svcrack's target must not get a success from anyone else), and
# CALLS answered calls to the sipp UAS (10.77.0.22), spread over the period. The UAS auto-answers
# out-of-dialog OPTIONS (-aa), so svmap finds it like any phone.
benign_bg() {
  local secs="$1" calls="$2"
  # The UAS is a device, not a check: no -m (an auto-answered OPTIONS counts as a call that never
  # ends) and not waited for; the UAC's exit status says whether the calls worked.
  (cd "$RUN_DIR" && exec ip netns exec "$NS_UAS" sipp -sf "$CONF/uas.xml" -t u1 -i "$UAS4" -p "$SIP_PORT" \
    -aa -nostdin -timeout $((secs + 15)) >"$RUN_DIR/bg-uas.log" 2>&1) &
  PIDS+=("$!")
  wait_listen_on "$NS_UAS" "$UAS4" "$SIP_PORT"
  bg_sipp bg-keepalive "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/options.xml" -t u1 -i "$UAC4" -p 5070 \
    -m "$secs" -r 1 -timeout $((secs + 10)) -timeout_error
  bg_sipp bg-register "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/register.xml" -t u1 -i "$UAC4" -p 5071 \
    -m 1 -s 101 -au 101 -ap ext101-sipward -timeout 10 -timeout_error
  # -rp: one call every secs/calls seconds; -d: 1 s between ACK and BYE.
  bg_sipp bg-calls "$NS_UAC" "$UAS4:$SIP_PORT" -sf "$CONF/uac.xml" -t u1 -i "$UAC4" -p 5072 \
    -m "$calls" -s bob -r 1 -rp $((secs * 1000 / calls)) -d 1000 -timeout $((secs + 10)) -timeout_error
}

# Extra devices for the sweep: sipp answering one OPTIONS each on 10.77.0.23 and .24. Not
# waited for: they exit after their first OPTIONS, kill_started ends them otherwise.
OPT_PIDS=()
options_devices() {
  local ip
  for ip in "${EXTRA_UAS4[@]}"; do
    (cd "$RUN_DIR" && exec ip netns exec "$NS_UAS" sipp -sf "$CONF/options-uas.xml" -t u1 -i "$ip" \
      -p "$SIP_PORT" -m 1 -nostdin -timeout 60 >"$RUN_DIR/device-$ip.log" 2>&1) &
    PIDS+=("$!")
    OPT_PIDS+=("$!")
    wait_listen_on "$NS_UAS" "$ip" "$SIP_PORT"
  done
}

# The attacks. Each tool's output goes to RUN_DIR/<name>.atk.log; attack-labels.js holds the same
# command lines for labels.yaml (keep both in step).
SV_COMMON=(-b "$ATK4" -x "$ATK4" -P "$SIP_PORT")
atk_svmap() { atk_tool svmap svmap "${SV_COMMON[@]}" -p "$SIP_PORT" -t 0.05 "$SWEEP"; }
# svwar: 60 extensions 100-159 (101 and 150 exist), ~6.5 REGISTERs/s (-t 0.15): an enumeration,
# not a flood (stays under 100 REGISTER/min and 16 requests per 2 s).
atk_svwar() { atk_tool svwar svwar "${SV_COMMON[@]}" -m REGISTER -e "${1:-100-159}" -t 0.15 "$REG4"; }
# svcrack: 30 wrong passwords, then alice's real one: 30 x 403 to REGISTERs with credentials,
# then 200. Same pace as svwar.
atk_svcrack() {
  atk_tool svcrack svcrack "${SV_COMMON[@]}" -u alice -d "$CONF/svcrack-dict.txt" -t 0.15 "$REG4"
  grep -q 'sipward-test' "$RUN_DIR/svcrack.atk.log" \
    || die "svcrack did not find alice's password (see $RUN_DIR/svcrack.atk.log)"
}
# INVITE flood: sipp UAC, N INVITEs at R per second to the "PBX" on 10.77.0.23 (sipp, 486).
atk_invite_flood() {
  local n="$1" r="$2" target="${EXTRA_UAS4[0]}" pid
  # The sweep's device on the same address must be gone before the flood target binds there.
  for pid in "${OPT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  OPT_PIDS=()
  (cd "$RUN_DIR" && exec ip netns exec "$NS_UAS" sipp -sf "$CONF/atk-uas-invite-flood.xml" -t u1 \
    -i "$target" -p "$SIP_PORT" -m "$n" -nostdin -timeout 60 -timeout_error \
    >"$RUN_DIR/flood-target.log" 2>&1) &
  local target_pid=$!
  PIDS+=("$target_pid")
  wait_listen_on "$NS_UAS" "$target" "$SIP_PORT"
  atk_tool invite-flood sipp "$target:$SIP_PORT" -sf "$CONF/atk-uac-invite-flood.xml" -t u1 \
    -i "$ATK4" -p "$SIP_PORT" -s 1000 -m "$n" -r "$r" -l 1000 -nostdin -timeout 40 -timeout_error
  wait "$target_pid" || die "flood target exited $? (see $RUN_DIR/flood-target.log)"
}
# REGISTER flood: N unauthenticated REGISTERs for alice at R per second to kamailio (all 401).
atk_register_flood() {
  local n="$1" r="$2"
  atk_tool register-flood sipp "$REG4:$SIP_PORT" -sf "$CONF/atk-uac-register-flood.xml" -t u1 \
    -i "$ATK4" -p "$SIP_PORT" -s alice -m "$n" -r "$r" -l 1000 -nostdin -timeout 40 -timeout_error
}
atk_fuzz() { atk_tool fuzz node "$CONF/fuzz.js" "$ATK4" "$REG4" "$SIP_PORT" "$1" "$2"; }

# benign-mix: nothing here may raise an alert. All from 10.77.0.11 to kamailio or the sipp UAS.
benign_mix() {
  # Keepalive OPTIONS to the registrar every second for the whole run (~30 s).
  bg_sipp mix-keepalive "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/options.xml" -t u1 -i "$UAC4" -p 5070 \
    -m 30 -r 1 -timeout 45 -timeout_error
  # Registrations with digest auth: alice, 101, 150 succeed; alice with a typo gets 403 once.
  uac mix-register u1 "$UAC4" "$REG4:$SIP_PORT" 4 register-users.xml -p "$SIP_PORT" \
    -inf "$CONF/benign-users.csv" -r 1
  # Calls: 2 answered, 1 challenged (401, then answered), 1 busy (486), 1 unknown callee (404),
  # 1 answered late (the UAC retransmits the INVITE once).
  uas mix-answer u1 "$UAS4" 2 uas.xml
  uac mix-answer u1 "$UAC4" "$UAS4:$SIP_PORT" 2 uac.xml -p "$SIP_PORT" -s bob -r 1 -d 2000
  wait_uas mix-answer
  uas mix-challenge u1 "$UAS4" 1 uas-challenge.xml
  uac mix-challenge u1 "$UAC4" "$UAS4:$SIP_PORT" 1 uac-auth.xml -p "$SIP_PORT" -s bob -au alice -ap sipward-test -d 2000
  wait_uas mix-challenge
  uas mix-busy u1 "$UAS4" 1 uas-busy.xml
  uac mix-busy u1 "$UAC4" "$UAS4:$SIP_PORT" 1 uac.xml -p "$SIP_PORT" -s carol
  wait_uas mix-busy
  uas mix-404 u1 "$UAS4" 1 uas-notfound.xml
  uac mix-404 u1 "$UAC4" "$UAS4:$SIP_PORT" 1 uac.xml -p "$SIP_PORT" -s nobody
  wait_uas mix-404
  uas mix-slow u1 "$UAS4" 1 uas-slow.xml
  uac mix-slow u1 "$UAC4" "$UAS4:$SIP_PORT" 1 uac.xml -p "$SIP_PORT" -s dave -d 1000
  wait_uas mix-slow
  bg_wait
}

# run_attack_scenario NAME: called from run_scenario's case statement for the names below.
run_attack_scenario() {
  local sc="$1"
  atk_up
  mkdir -p "$RUN_DIR/phases"
  PHASES_FILE="$RUN_DIR/phases/$sc.tsv"
  : >"$PHASES_FILE"
  start_kamailio
  case "$sc" in
    benign-mix) phase benign benign_mix ;;
    atk-svmap)
      options_devices
      benign_bg 10 2
      sleep 2
      phase svmap atk_svmap
      bg_wait
      ;;
    atk-svwar)
      benign_bg 16 2
      sleep 2
      phase svwar atk_svwar
      bg_wait
      ;;
    atk-svcrack)
      benign_bg 14 2
      sleep 2
      phase svcrack atk_svcrack
      bg_wait
      ;;
    atk-invite-flood)
      benign_bg 10 2
      sleep 2
      phase invite-flood atk_invite_flood 600 150
      bg_wait
      ;;
    atk-register-flood)
      benign_bg 10 2
      sleep 2
      phase register-flood atk_register_flood 600 150
      bg_wait
      ;;
    atk-fuzz)
      benign_bg 26 3
      sleep 2
      phase fuzz atk_fuzz 125 6
      bg_wait
      ;;
    demo)
      # samples/demo-attacks.pcap: one attacker walking through recon, enumeration, cracking and
      # a short INVITE flood while the UAC keeps up ordinary traffic.
      options_devices
      benign_bg 40 4
      sleep 2
      phase svmap atk_svmap
      sleep 1
      phase svwar atk_svwar 100-139
      sleep 1
      phase svcrack atk_svcrack
      sleep 1
      phase invite-flood atk_invite_flood 250 100
      bg_wait
      ;;
    *) die "unknown attack scenario: $sc" ;;
  esac
  PHASES_FILE=
}

# scripts/testbed attacks <dir> [samples-dir]: every attack capture, labels.yaml and README table.
cmd_attacks() {
  local dir="$1" samples="${2:-}" sc
  require_tools
  command -v svmap >/dev/null || die "missing tool: svmap (apt-get install sipvicious)"
  is_up || cmd_up
  mkdir -p "$dir"
  for sc in "${ATK_SCENARIOS[@]}"; do
    cmd_capture "$sc" "$dir/$sc.pcap"
  done
  if [[ -n $samples ]]; then
    mkdir -p "$samples"
    cmd_capture demo "$samples/demo-attacks.pcap"
  fi
  # Labels need the phase markers of this run (RUN_DIR/phases/<scenario>.tsv).
  node "$CONF/attack-labels.js" "$RUN_DIR/phases" "$dir" ${samples:+"$samples"}
}
