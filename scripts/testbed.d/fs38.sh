# shellcheck shell=bash
# FS.38 scenarios for scripts/testbed (toll fraud, identity, dialog, media, topology), sourced by
# it after attacks.sh (uses nsx, log, die, add_host, atk_up, start_kamailio, bg_sipp, bg_wait,
# phase, PIDS, RUN_DIR, CONF ...). The site knowledge these captures assume is
# scripts/testbed.d/site.yaml (`sipward analyze --config scripts/testbed.d/site.yaml`).
#
# Extra topology, built on demand by the first fs-* scenario (fs_up, after atk_up) and removed by `down`:
#
#   sw-reg  reg0 also 198.51.100.51  the operator's interconnect SBC (site: border, interconnect)
#           reg0 also 198.51.100.52  a busy customer PBX relaying its accounts' calls (site: border)
#   sw-trk  trk0 192.0.2.54          a carrier trunk (site: trusted peer, may assert identity and
#                                    divert, interconnect) ── p-trk ── br0 (mirrored)
#   sw-atk  atk0 also 203.0.113.66   the attacker (site: external; attacks.sh built sw-atk)
#
# The internal side: the phone 10.77.0.11 (sw-uac), the PBX/phone 10.77.0.22 (sw-uas), the
# registrar 10.77.0.21 (kamailio, site: border). Outbound calls leave through the SBC: the SBC
# calls the trunk on behalf of an account (From user = account, PAI = its number).
#
#   scripts/testbed fs38 <dir> [scenario...]
#       capture the fs-* scenarios (all, or the ones named) to <dir>/<scenario>.pcap and merge
#       their labels into <dir>/labels.yaml (fs38-labels.js); the other captures there stay as
#       they are.
#
# Every sipp run is bounded by -m (count) and -timeout (time); every loop here has a fixed count.

NS_TRK=sw-trk
# The interconnect has public addresses (documentation ranges, RFC 5737): the SBC's public face,
# the carrier, and the attacker's second address. Every testbed host reaches them on-link (one
# bridge), so each namespace gets an on-link route per range; nothing leaves the namespaces.
SBC4=198.51.100.51 PBX4=198.51.100.52 TRK4=192.0.2.54 TRK6=fd77::54 FS_ATK4=203.0.113.66
FS_NETS=(198.51.100.0/24 192.0.2.0/24 203.0.113.0/24)
FS_SCENARIOS=(fs-benign fs-busy fs-toll-fraud fs-wangiri fs-forward fs-dialog fs-identity fs-register fs-topology fs-media)
# Upper bound for one sipp run of these scenarios (seconds).
FS_TIMEOUT=60

fs_down() { ns_remove "$NS_TRK"; }

fs_up() {
  local i
  atk_up
  nsx "$NS_REG" ip addr replace "$SBC4/32" dev reg0
  nsx "$NS_REG" ip addr replace "$PBX4/32" dev reg0
  nsx "$NS_ATK" ip addr replace "$FS_ATK4/32" dev atk0
  if ! { [[ -e "/run/netns/$NS_TRK" ]] && nsx "$NS_TRK" ip link show trk0 >/dev/null 2>&1; }; then
    fs_down
    ip netns add "$NS_TRK"
    # add_host gives trk0 10.77.0.54/24 (the bridge's subnet, never used as a source here) and
    # fd77::54; the carrier's own address is TRK4.
    add_host "$NS_TRK" trk0 p-trk 10.77.0.54 "$TRK6"
    nsx "$NS_TRK" ip addr add "$TRK4/32" dev trk0
    for i in $(seq 1 20); do
      nsx "$NS_BR" bridge link show dev p-trk | grep -q 'state forwarding' && break
      [[ $i -eq 20 ]] && die "p-trk does not forward"
      sleep 0.1
    done
    log "trunk up: $NS_TRK trk0 $TRK4; SBC $SBC4 in $NS_REG; attacker also $FS_ATK4"
  fi
  local ns dev net
  for ns in "$NS_UAC:uac0" "$NS_REG:reg0" "$NS_UAS:uas0" "$NS_ATK:atk0" "$NS_TRK:trk0"; do
    dev=${ns#*:} ns=${ns%%:*}
    for net in "${FS_NETS[@]}"; do nsx "$ns" ip route replace "$net" dev "$dev" scope link; done
  done
}

# ---- sipp helpers --------------------------------------------------------------------------------
FS_DIR=
# fs_sipp NAME NS ARGS...: one sipp run in the foreground; fails the scenario if sipp fails.
fs_sipp() {
  local rc=0
  (fs_exec_sipp "$@") || rc=$?
  [[ $rc -eq 0 ]] || die "sipp $1 exited $rc (see $FS_DIR/$1.log)"
}
# fs_bg NAME NS ARGS...: the same in the background (a callee); fs_wait checks them all.
FS_BG=()
fs_bg() {
  (fs_exec_sipp "$@") &
  PIDS+=("$!")
  FS_BG+=("$!:$1")
}
fs_wait() { wait_all FS_BG "$FS_DIR" sipp; }
# fs_exec_sipp NAME NS ARGS...: becomes sipp in NS (run it in a subshell), bounded by FS_TIMEOUT,
# its output in FS_DIR/NAME.log.
fs_exec_sipp() {
  local name="$1" ns="$2"; shift 2
  cd "$RUN_DIR" && exec ip netns exec "$ns" sipp "$@" -nostdin -trace_err -timeout "$FS_TIMEOUT" \
    -timeout_error -error_file "$FS_DIR/$name.err" >"$FS_DIR/$name.log" 2>&1
}

# The country of every number these scenarios dial (ISO 3166 alpha-2; "none" = non-geographic
# calling code: satellite, international networks belong to no country), for the call plan.
fs_country() {
  case "$1" in
    +870* | +881* | +882* | +883*) echo none ;;
    +33*) echo FR ;;
    +1212* | +1646*) echo US ;;
    +49*) echo DE ;;
    +44*) echo GB ;;
    +232*) echo SL ;;
    *) echo - ;;
  esac
}

# Call plan: every call a scenario places, for the labels (phase, caller address, callee, caller,
# hold or ring time, final status, callee country). fs_plan PHASE IP CALLEE CALLER HOLD STATUS.
FS_PLAN=
fs_plan() {
  [[ -z $FS_PLAN ]] && return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$(fs_country "$3")" >>"$FS_PLAN"
}
# fs_csv NAME PHASE CALLER_IP HOLD_MS STATUS CALLER CALLEE...: writes the sipp injection file
# $FS_DIR/NAME.csv (callee;caller per line) and the plan lines.
fs_csv() {
  local name="$1" ph="$2" ip="$3" hold="$4" status="$5" caller="$6"; shift 6
  local n
  printf 'SEQUENTIAL\n' >"$FS_DIR/$name.csv"
  for n in "$@"; do
    printf '%s;%s\n' "$n" "$caller" >>"$FS_DIR/$name.csv"
    fs_plan "$ph" "$ip" "$n" "$caller" "$hold" "$status"
  done
}

# The ordinary header lines of fs-uac.xml's h1..h4; a call replaces some with what it is about.
FS_H=("Allow: INVITE, ACK, CANCEL, BYE, REFER, OPTIONS, NOTIFY" "Supported: replaces, timer"
  "Accept: application/sdp" "Session-Expires: 1800;refresher=uac")

# fs_calls NAME PHASE NS SRC_IP DST_IP CALLS HOLD_MS CSV [sipp args...]: CALLS calls from SRC_IP to
# DST_IP:5060 with fs-uac.xml. FS_KEYS (array, -key pairs) overrides the defaults below.
fs_calls() {
  local name="$1" ph="$2" ns="$3" src="$4" dst="$5" n="$6" hold="$7" csv="$8"; shift 8
  # sipp keeps the first -key of a name: merge here, the call's own keys over the defaults.
  local -A kv=([fromhost]=sipward.test [tohost]=sipward.test [contact_ip]="$src" [sdp_ip]="$src" [via_host]="$src"
    [ua]=sipward-testbed-sbc [h1]="${FS_H[0]}" [h2]="${FS_H[1]}" [h3]="${FS_H[2]}" [h4]="${FS_H[3]}")
  local i k keys=()
  for ((i = 0; i + 2 < ${#FS_KEYS[@]} + 1; i += 3)); do kv[${FS_KEYS[i + 1]}]=${FS_KEYS[i + 2]}; done
  for k in "${!kv[@]}"; do keys+=(-key "$k" "${kv[$k]}"); done
  fs_sipp "$name" "$ns" "$dst:$SIP_PORT" -sf "$CONF/fs-uac.xml" -t u1 -i "$src" -p "$SIP_PORT" -m "$n" \
    -inf "$FS_DIR/$csv.csv" -d "$hold" "${keys[@]}" "$@"
  FS_KEYS=()
}
FS_KEYS=()

# fs_answer NAME NS IP CALLS: a callee answering CALLS calls (uas.xml) in the background.
fs_answer() { fs_bg "$1" "$2" -sf "$CONF/uas.xml" -t u1 -i "$3" -p "$SIP_PORT" -m "$4"; wait_listen_on "$2" "$3" "$SIP_PORT"; }
# fs_reject NAME NS IP CALLS CODE(302|403) EXTRA_HEADER: a callee or SBC refusing CALLS calls
# (fs-uas-302.xml, fs-uas-403.xml: sipp takes no keyword in a status line).
fs_reject() {
  fs_bg "$1" "$2" -sf "$CONF/fs-uas-$5.xml" -t u1 -i "$3" -p "$SIP_PORT" -m "$4" \
    -key rh "$6" -key server sipward-testbed-sbc
  wait_listen_on "$2" "$3" "$SIP_PORT"
}

# A live internal call 10.77.0.11 -> 10.77.0.22 with fixed dialog identifiers (fs-uac-dialog.xml,
# fs-uas-dialog.xml), started in the background. fs_dialog TAG HOLD_MS XFER: XFER is a number the
# caller transfers the callee to before hanging up, or "none".
fs_dialog() {
  local tag="$1" hold="$2" xfer="$3"
  # sipp maps messages to its calls by Call-ID: both ends and the attacker get it from -cid_str
  # (%u = call number, 1 with -m 1).
  DLG_CID="fs38-$tag-%u@$UAC4" DLG_FTAG="fs38-$tag-caller" DLG_TTAG="fs38-$tag-callee"
  fs_bg "$tag-callee" "$NS_UAS" -sf "$CONF/fs-uas-dialog.xml" -t u1 -i "$UAS4" -p "$SIP_PORT" -m 1 \
    -key ttag "$DLG_TTAG" -key atk_ip "$FS_ATK4" -key caller_ip "$UAC4"
  wait_listen_on "$NS_UAS" "$UAS4" "$SIP_PORT"
  fs_bg "$tag-caller" "$NS_UAC" "$UAS4:$SIP_PORT" -sf "$CONF/fs-uac-dialog.xml" -t u1 -i "$UAC4" -p "$SIP_PORT" \
    -m 1 -d "$hold" -cid_str "$DLG_CID" -key ftag "$DLG_FTAG" -key ttag "$DLG_TTAG" -key caller 1011 \
    -key callee 2022 -key xfer "$xfer"
}
# fs_inject NAME XML [keys...]: the attacker addresses the live dialog at the callee.
fs_inject() {
  local name="$1" sf="$2"; shift 2
  fs_sipp "$name" "$NS_ATK" "$UAS4:$SIP_PORT" -sf "$CONF/$sf" -t u1 -i "$FS_ATK4" -p "$SIP_PORT" -m 1 \
    -cid_str "$DLG_CID" -key ftag "$DLG_FTAG" -key ttag "$DLG_TTAG" -key caller 1011 -key callee 2022 "$@"
}

# ---- the scenarios -------------------------------------------------------------------------------
# Numbers. High risk: +881/+882 (satellite / international networks). Ordinary international:
# +33 1 (Paris), +1 212 (New York), +49 30 (Berlin). Own range: +44 20 7946 0xxx (Ofcom drama range).

# fs-toll-fraud: account 101 (office hours only) is compromised; through the SBC it calls
# high-risk ranges: a burst (24 calls in 4 s), then 8 concurrent calls, then 10 sequential short
# calls to consecutive numbers.
fs_toll_fraud() {
  fs_answer trunk "$NS_TRK" "$TRK4" 42
  FS_KEYS=(-key h1 "P-Asserted-Identity: <sip:+442079460101@sipward.test>")
  fs_csv burst burst "$SBC4" 4000 200 101 +881631234567 +882345670012 +881622100451 +882398765401 \
    +881641119032 +882355501234 +881633002210 +882341234987 +881655512003 +882369900456 +881621234777 \
    +882344321876 +881649876123 +882351112223 +881638880442 +881627771234 +882397766554 +881643210987 \
    +882356789012 +881659990001 +882362224680 +881624681357 +882347531598 +881636925814
  phase burst fs_calls burst burst "$NS_REG" "$SBC4" "$TRK4" 24 4000 burst -r 6 -rp 1000
  sleep 3
  FS_KEYS=(-key h1 "P-Asserted-Identity: <sip:+442079460101@sipward.test>")
  fs_csv concurrent concurrent "$SBC4" 12000 200 101 +882390012001 +882390012117 +882390012233 \
    +882390012349 +882390012455 +882390012561 +882390012677 +882390012783
  phase concurrent fs_calls concurrent concurrent "$NS_REG" "$SBC4" "$TRK4" 8 12000 concurrent -r 1 -rp 1000
  sleep 3
  FS_KEYS=(-key h1 "P-Asserted-Identity: <sip:+442079460101@sipward.test>")
  fs_csv sequential sequential "$SBC4" 1000 200 101 +881620000101 +881620000102 +881620000103 \
    +881620000104 +881620000105 +881620000106 +881620000107 +881620000108 +881620000109 +881620000110
  phase sequential fs_calls sequential sequential "$NS_REG" "$SBC4" "$TRK4" 10 1000 sequential -l 1 -r 10
  fs_wait
}

# fs-wangiri: the trunk delivers one-ring calls from one international number to 12 of our
# numbers: each rings 1.2 s and is cancelled (487).
fs_wangiri() {
  fs_bg sbc "$NS_REG" -sf "$CONF/fs-uas-ring.xml" -t u1 -i "$SBC4" -p "$SIP_PORT" -m 12
  wait_listen_on "$NS_REG" "$SBC4" "$SIP_PORT"
  fs_csv wangiri wangiri "$TRK4" 1200 487 +23276123456 +442079460011 +442079460023 +442079460035 \
    +442079460047 +442079460059 +442079460061 +442079460073 +442079460085 +442079460097 +442079460109 \
    +442079460121 +442079460133
  phase wangiri fs_sipp wangiri "$NS_TRK" "$SBC4:$SIP_PORT" -sf "$CONF/fs-uac-cancel.xml" -t u1 -i "$TRK4" \
    -p "$SIP_PORT" -m 12 -inf "$FS_DIR/wangiri.csv" -d 1200 -r 2 -rp 1000 -key fromhost carrier-a.example \
    -key tohost sipward.test -key ua carrier-a-sbc -key h1 "P-Asserted-Identity: <sip:+23276123456@carrier-a.example>"
  fs_wait
}

# fs-forward: calls forwarded or transferred to high-risk numbers: a 302 from the SBC, a REFER by
# the (compromised) caller inside its own call, a REFER injected by the attacker.
fs_forward() {
  fs_reject sbc "$NS_REG" "$SBC4" 1 302 "Contact: <sip:+881650001234@$TRK4>"
  FS_KEYS=(-key fromhost carrier-a.example -key ua carrier-a-sbc
    -key h1 "P-Asserted-Identity: <sip:+33142685310@carrier-a.example>")
  fs_csv redirect redirect "$TRK4" 0 302 +33142685310 +442079460150
  phase redirect fs_calls redirect redirect "$NS_TRK" "$TRK4" "$SBC4" 1 0 redirect
  fs_wait
  sleep 1
  fs_dialog refer 3000 +882345678901
  phase refer fs_wait
  sleep 1
  fs_dialog inject 6000 none
  sleep 2
  phase inject-refer fs_inject inject-refer fs-atk-refer.xml -key target +881699887766
  fs_wait
}

# fs-dialog: a third party (the attacker) inside live internal calls: a re-INVITE that moves the
# callee's media to the attacker, then a BYE that tears the second call down.
fs_dialog_attacks() {
  fs_dialog reinvite 7000 none
  sleep 2
  phase reinvite fs_inject reinvite fs-atk-reinvite.xml
  fs_wait
  sleep 1
  fs_dialog teardown 6000 none
  sleep 2
  phase bye fs_inject bye fs-atk-bye.xml -key h1 "Reason: SIP;cause=200;text=\"Call completed\""
  fs_wait
}

# fs-identity: identity headers from the untrusted attacker to the interconnect SBC, which refuses
# each call (403); an invalid calling number from the trusted trunk; the attacker posing as the
# trunk.
fs_identity() {
  local w='Warning: 399 sbc.sipward.test "untrusted source"'
  fs_reject sbc "$NS_REG" "$SBC4" 4 403 "$w"
  FS_KEYS=(-key fromhost sipward.test -key ua "Z 5.4.12 v2.10.13.2"
    -key h1 "P-Asserted-Identity: <sip:+442079460100@sipward.test>" -key h2 "Privacy: none")
  fs_csv pai pai "$FS_ATK4" 0 403 +442079460100 +442079460150
  phase pai fs_calls pai pai "$NS_ATK" "$FS_ATK4" "$SBC4" 1 0 pai
  sleep 1
  FS_KEYS=(-key ua "Z 5.4.12 v2.10.13.2" -key h1 "Diversion: <sip:+442079460150@sipward.test>;reason=unconditional;counter=1")
  fs_csv diversion diversion "$FS_ATK4" 0 403 +4930901820 +442079460151
  phase diversion fs_calls diversion diversion "$NS_ATK" "$FS_ATK4" "$SBC4" 1 0 diversion
  sleep 1
  FS_KEYS=(-key ua "Z 5.4.12 v2.10.13.2"
    -key h1 "P-Charging-Vector: icid-value=fs38-1234567890;icid-generated-at=$FS_ATK4;orig-ioi=ims.sipward.test"
    -key h2 "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=234150999999999"
    -key h3 "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel"
    -key h4 "P-Visited-Network-ID: \"sipward.test\"")
  fs_csv pheaders pheaders "$FS_ATK4" 0 403 +4930901821 +442079460152
  phase pheaders fs_calls pheaders pheaders "$NS_ATK" "$FS_ATK4" "$SBC4" 1 0 pheaders
  sleep 1
  FS_KEYS=(-key ua "Z 5.4.12 v2.10.13.2" -key h1 "Route: <sip:$UAS4:5060;lr>")
  fs_csv route route "$FS_ATK4" 0 403 +4930901822 +442079460153
  phase route fs_calls route route "$NS_ATK" "$FS_ATK4" "$SBC4" 1 0 route
  fs_wait
  sleep 1
  # The trusted trunk delivers a call whose calling number is no valid number (+44 20 794: too
  # short for the UK); then the attacker claims to be the carrier (top Via sent-by
  # sbc.carrier-a.example, the carrier's host name) from its own address.
  fs_answer sbc2 "$NS_REG" "$SBC4" 1
  FS_KEYS=(-key fromhost carrier-a.example -key ua carrier-a-sbc
    -key h1 "P-Asserted-Identity: <sip:+4420794@carrier-a.example>")
  fs_csv badcli badcli "$TRK4" 2000 200 +4420794 +442079460151
  phase badcli fs_calls badcli badcli "$NS_TRK" "$TRK4" "$SBC4" 1 2000 badcli
  fs_wait
  sleep 1
  fs_reject sbc3 "$NS_REG" "$SBC4" 1 403 "$w"
  FS_KEYS=(-key via_host sbc.carrier-a.example -key fromhost carrier-a.example -key ua carrier-a-sbc)
  fs_csv impersonate impersonate "$FS_ATK4" 0 403 +33142685320 +442079460152
  phase impersonate fs_calls impersonate impersonate "$NS_ATK" "$FS_ATK4" "$SBC4" 1 0 impersonate
  fs_wait
}

# fs-register: alice registers from her phone; the attacker (with alice's cracked password)
# removes all of alice's bindings; then it registers 150 with 101's credentials (kamailio: 403
# "Forbidden auth ID") and places a call as alice with 101's credentials.
fs_register() {
  start_kamailio
  fs_sipp alice "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/register.xml" -t u1 -i "$UAC4" -p "$SIP_PORT" -m 1 \
    -s alice -au alice -ap sipward-test
  sleep 1
  phase dereg fs_sipp dereg "$NS_ATK" "$REG4:$SIP_PORT" -sf "$CONF/fs-atk-dereg.xml" -t u1 -i "$FS_ATK4" \
    -p "$SIP_PORT" -m 1 -s alice -au alice -ap sipward-test
  sleep 1
  phase authid fs_sipp authid "$NS_ATK" "$REG4:$SIP_PORT" -sf "$CONF/register.xml" -t u1 -i "$FS_ATK4" \
    -p "$SIP_PORT" -m 1 -s 150 -au 101 -ap ext101-sipward
  sleep 1
  fs_bg pbx "$NS_UAS" -sf "$CONF/uas-challenge.xml" -t u1 -i "$UAS4" -p "$SIP_PORT" -m 1
  wait_listen_on "$NS_UAS" "$UAS4" "$SIP_PORT"
  fs_plan authid-invite "$FS_ATK4" bob alice 1000 200
  phase authid-invite fs_sipp authid-invite "$NS_ATK" "$UAS4:$SIP_PORT" -sf "$CONF/uac-auth.xml" -t u1 \
    -i "$FS_ATK4" -p "$SIP_PORT" -m 1 -s bob -au 101 -ap ext101-sipward -d 1000
  fs_wait
}

# fs-topology: the phone calls the carrier directly, past the SBC, showing its private address in
# Via, Contact and SDP; then the SBC forwards a call without hiding the phone behind it (Contact
# and SDP of 10.77.0.11) and announces its software version.
fs_topology() {
  fs_answer trunk "$NS_TRK" "$TRK4" 2
  FS_KEYS=(-key fromhost sipward.test -key ua "Yealink SIP-T46S 66.86.0.15")
  fs_csv direct direct "$UAC4" 1500 200 101 +33142685330
  phase direct fs_calls direct direct "$NS_UAC" "$UAC4" "$TRK4" 1 1500 direct
  sleep 1
  FS_KEYS=(-key contact_ip "$UAC4" -key sdp_ip "$UAC4" -key ua "Asterisk PBX 18.10.0"
    -key h1 "P-Asserted-Identity: <sip:+442079460101@sipward.test>")
  fs_csv leak leak "$SBC4" 1500 200 101 +33142685331
  phase leak fs_calls leak leak "$NS_REG" "$SBC4" "$TRK4" 1 1500 leak
  fs_wait
}

# fs-media: internal calls whose offer carries SRTP keys in the clear (a=crypto over UDP), and an
# unusual offer: seven m-lines (audio, video on a multicast address, an unknown "control" type,
# application, image, text, message), odd payload numbers, b=AS:500000.
fs_media() {
  local crlf=$'\r\n' crypto unusual
  crypto="m=audio 40000 RTP/SAVP 0 8${crlf}a=rtpmap:0 PCMU/8000${crlf}a=rtpmap:8 PCMA/8000${crlf}"
  crypto+="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32"
  unusual="m=audio 40000 RTP/AVP 0 96 127${crlf}b=AS:500000${crlf}a=rtpmap:96 AMR-WB/16000${crlf}a=rtpmap:127 X-NSE/8000${crlf}"
  unusual+="m=video 40002 RTP/AVP 126${crlf}c=IN IP4 224.2.17.12${crlf}a=rtpmap:126 H264/90000${crlf}"
  unusual+="m=control 40004 TCP *${crlf}m=application 40006 UDP/BFCP *${crlf}"
  unusual+="m=image 40008 udptl t38${crlf}m=text 40010 RTP/AVP 98${crlf}a=rtpmap:98 t140/1000${crlf}"
  unusual+="m=message 40012 TCP/MSRP *${crlf}a=accept-types:text/plain"
  fs_answer pbx "$NS_UAS" "$UAS4" 2
  fs_plan crypto "$UAC4" 2022 1011 2000 200
  phase crypto fs_sipp crypto "$NS_UAC" "$UAS4:$SIP_PORT" -sf "$CONF/fs-uac-sdp.xml" -t u1 -i "$UAC4" -p "$SIP_PORT" \
    -m 1 -s 2022 -d 2000 -key caller 1011 -key sdp "$crypto"
  sleep 1
  fs_plan unusual "$UAC4" 2022 1011 2000 200
  phase unusual fs_sipp unusual "$NS_UAC" "$UAS4:$SIP_PORT" -sf "$CONF/fs-uac-sdp.xml" -t u1 -i "$UAC4" -p "$SIP_PORT" \
    -m 1 -s 2022 -d 2000 -key caller 1011 -key sdp "$unusual"
  fs_wait
}

# fs-benign: look-alikes of every fs-* attack that must stay quiet with the site knowledge.
fs_benign() {
  start_kamailio
  # Call centre (24/7 business hours): long international calls to ordinary numbers, two at once.
  fs_answer trunk "$NS_TRK" "$TRK4" 5
  FS_KEYS=(-key h1 "P-Asserted-Identity: <sip:+442079460201@sipward.test>")
  fs_csv intl-long intl-long "$SBC4" 15000 200 2001 +33142685300 +12125550147 +4930901820
  phase intl-long fs_calls intl-long intl-long "$NS_REG" "$SBC4" "$TRK4" 3 15000 intl-long -r 1 -rp 4000 -l 2
  # An office account, one ordinary international call, and one to our own range (UK drama numbers).
  FS_KEYS=(-key h1 "P-Asserted-Identity: <sip:+442079460150@sipward.test>")
  fs_csv office office "$SBC4" 3000 200 150 +12125550188 +442079460999
  phase office fs_calls office office "$NS_REG" "$SBC4" "$TRK4" 2 3000 office -l 1
  fs_wait
  sleep 1
  # Inbound from the carrier: an international call answered, a call forwarded by a customer's
  # other carrier (Diversion + PAI, charging vector, Route to this SBC), a missed call that rang
  # 6 s, and a call the SBC redirects (302) to a UK mobile.
  fs_answer sbc "$NS_REG" "$SBC4" 2
  FS_KEYS=(-key fromhost carrier-a.example -key ua carrier-a-sbc
    -key h1 "P-Asserted-Identity: <sip:+33142685301@carrier-a.example>")
  fs_csv inbound inbound "$TRK4" 4000 200 +33142685301 +442079460150
  phase inbound fs_calls inbound inbound "$NS_TRK" "$TRK4" "$SBC4" 1 4000 inbound
  FS_KEYS=(-key fromhost carrier-a.example -key ua carrier-a-sbc
    -key h1 "P-Asserted-Identity: <sip:+16465550100@carrier-a.example>"
    -key h2 "Diversion: <sip:+442079460151@sipward.test>;reason=no-answer;counter=1"
    -key h3 "P-Charging-Vector: icid-value=carriera-4711;orig-ioi=carrier-a.example"
    -key h4 "Route: <sip:$SBC4:5060;lr>")
  fs_csv forwarded forwarded "$TRK4" 3000 200 +16465550100 +442079460151
  phase forwarded fs_calls forwarded forwarded "$NS_TRK" "$TRK4" "$SBC4" 1 3000 forwarded
  fs_wait
  fs_bg sbc-ring "$NS_REG" -sf "$CONF/fs-uas-ring.xml" -t u1 -i "$SBC4" -p "$SIP_PORT" -m 1
  wait_listen_on "$NS_REG" "$SBC4" "$SIP_PORT"
  fs_csv missed missed "$TRK4" 6000 487 +12125550123 +442079460152
  phase missed fs_sipp missed "$NS_TRK" "$SBC4:$SIP_PORT" -sf "$CONF/fs-uac-cancel.xml" -t u1 -i "$TRK4" \
    -p "$SIP_PORT" -m 1 -inf "$FS_DIR/missed.csv" -d 6000 -key fromhost carrier-a.example \
    -key tohost sipward.test -key ua carrier-a-sbc -key h1 "P-Asserted-Identity: <sip:+12125550123@carrier-a.example>"
  fs_wait
  fs_reject sbc-302 "$NS_REG" "$SBC4" 1 302 "Contact: <sip:+447400123456@$TRK4>"
  FS_KEYS=(-key fromhost carrier-a.example -key ua carrier-a-sbc
    -key h1 "P-Asserted-Identity: <sip:+33142685302@carrier-a.example>")
  fs_csv redirect redirect "$TRK4" 0 302 +33142685302 +442079460153
  phase redirect fs_calls redirect redirect "$NS_TRK" "$TRK4" "$SBC4" 1 0 redirect
  fs_wait
  sleep 1
  # Internal: a call the caller transfers to an ordinary number (REFER inside its own dialog).
  fs_dialog transfer 3000 +33142685303
  phase transfer fs_wait
  # Registrations: alice registers and later removes her own binding (her contact, expires=0).
  fs_sipp alice "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/register.xml" -t u1 -i "$UAC4" -p "$SIP_PORT" -m 1 \
    -s alice -au alice -ap sipward-test
  sleep 1
  phase own-dereg fs_sipp own-dereg "$NS_UAC" "$REG4:$SIP_PORT" -sf "$CONF/fs-uac-unregister.xml" -t u1 -i "$UAC4" \
    -p "$SIP_PORT" -m 1 -s alice -au alice -ap sipward-test
}

# fs-busy: a busy but benign site. The PBX (border) relays the calls of five accounts (3001-3005,
# group pbx-trunk, which declares its normal call rate and concurrency) straight to the carrier
# trunk (trusted peer): 60 calls at 5/s, a burst of 150 calls at 30/s (3 s each: up to ~90 at
# once, 18 per account), then 50 calls at 5/s. Every call is answered. With the site config
# nothing may fire above low; without the group's declaration the per-account signatures would.
FS_BUSY_ACCOUNTS=(3001 3002 3003 3004 3005)
# fs_busy_csv NAME COUNT FIRST: COUNT calls to UK and French fixed-line numbers, the caller cycling
# through the five accounts; callees are distinct across the whole scenario (FIRST = offset).
fs_busy_csv() {
  local name="$1" n="$2" first="$3" i k
  printf 'SEQUENTIAL\n' >"$FS_DIR/$name.csv"
  for ((i = 0; i < n; i++)); do
    k=$((first + i))
    if ((k % 2 == 0)); then printf '+44161496%04d;%s\n' "$((k / 2))" "${FS_BUSY_ACCOUNTS[k % 5]}"
    else printf '+3314268%04d;%s\n' "$((k / 2))" "${FS_BUSY_ACCOUNTS[k % 5]}"; fi >>"$FS_DIR/$name.csv"
  done
}
fs_busy() {
  fs_answer trunk "$NS_TRK" "$TRK4" 260
  fs_busy_csv steady 60 0
  phase steady fs_calls steady steady "$NS_REG" "$PBX4" "$TRK4" 60 6000 steady -r 5 -rp 1000 -l 60
  fs_busy_csv burst 150 60
  phase burst fs_calls burst burst "$NS_REG" "$PBX4" "$TRK4" 150 3000 burst -r 30 -rp 1000 -l 150
  fs_busy_csv tail 50 210
  phase tail fs_calls tail tail "$NS_REG" "$PBX4" "$TRK4" 50 4000 tail -r 5 -rp 1000 -l 50
  fs_wait
}

# run_fs38_scenario NAME: called from run_scenario's case statement for fs-* names.
run_fs38_scenario() {
  local sc="$1"
  fs_up
  mkdir -p "$RUN_DIR/phases" "$RUN_DIR/fs38"
  FS_DIR="$RUN_DIR/fs38"
  PHASES_FILE="$RUN_DIR/phases/$sc.tsv"
  FS_PLAN="$RUN_DIR/phases/$sc.calls.tsv"
  : >"$PHASES_FILE"
  : >"$FS_PLAN"
  case "$sc" in
    fs-benign) fs_benign ;;
    fs-busy) fs_busy ;;
    fs-toll-fraud) fs_toll_fraud ;;
    fs-wangiri) fs_wangiri ;;
    fs-forward) fs_forward ;;
    fs-dialog) fs_dialog_attacks ;;
    fs-identity) fs_identity ;;
    fs-register) fs_register ;;
    fs-topology) fs_topology ;;
    fs-media) fs_media ;;
    *) die "unknown fs38 scenario: $sc" ;;
  esac
  PHASES_FILE='' FS_PLAN=''
}

# scripts/testbed fs38 <dir> [scenario...]: capture the fs-* scenarios (all or the named ones)
# and merge their labels into <dir>/labels.yaml.
cmd_fs38() {
  local dir="$1" sc; shift
  local list=("$@")
  [[ ${#list[@]} -gt 0 ]] || list=("${FS_SCENARIOS[@]}")
  for sc in "${list[@]}"; do
    [[ " ${FS_SCENARIOS[*]} " == *" $sc "* ]] || die "not an fs38 scenario: $sc (${FS_SCENARIOS[*]})"
  done
  require_tools
  is_up || cmd_up
  mkdir -p "$dir"
  for sc in "${list[@]}"; do cmd_capture "$sc" "$dir/$sc.pcap"; done
  node "$CONF/fs38-labels.js" "$RUN_DIR/phases" "$dir" "${list[@]}"
}
