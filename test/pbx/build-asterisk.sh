#!/usr/bin/env bash
# Builds Asterisk from ../shared/asterisk-src into a cache folder outside the
# work tree, keyed by version and build options, and reuses it when present.
# Prints the install prefix on its last line.
#
#   ASTERISK_SRC_DIR   where the tarballs are (default: ../shared/asterisk-src beside the repo)
#   OUTPACE_PBX_CACHE  the cache folder (default: ~/.cache/outpace-pbx)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src_dir=${ASTERISK_SRC_DIR:-$repo/../shared/asterisk-src}
cache=${OUTPACE_PBX_CACHE:-$HOME/.cache/outpace-pbx}
version=22.10.1
pjproject=pjproject-2.17.tar.bz2

# What a dialer lab never loads, and the downloads that fail offline. Changing
# this list changes the cache key, so a new list gets a new build.
disabled=(
  CORE-SOUNDS-EN-GSM MOH-OPSOUND-WAV EXTRA-SOUNDS-EN-GSM
  chan_iax2 chan_unistim app_voicemail app_voicemail_imap app_voicemail_odbc app_queue app_confbridge app_meetme
  cdr_csv cdr_custom cdr_manager cdr_sqlite3_custom cdr_syslog cdr_adaptive_odbc cdr_odbc cdr_pgsql cdr_radius cdr_tds cdr_beanstalkd
  cel_custom cel_manager cel_sqlite3_custom cel_odbc cel_pgsql cel_radius cel_tds cel_beanstalkd
  pbx_ael pbx_dundi pbx_lua res_calendar res_calendar_caldav res_calendar_ews res_calendar_exchange res_calendar_icalendar
  res_fax res_fax_spandsp app_fax res_xmpp chan_motif res_snmp res_stir_shaken
)
configure_flags=(--with-pjproject-bundled --with-jansson --without-dahdi --without-pri --without-ss7)
key=$(printf '%s\n' "$version" "${configure_flags[@]}" "${disabled[@]}" | sha256sum | cut -c1-12)
prefix="$cache/asterisk-$version-$key"

if [ -x "$prefix/sbin/asterisk" ] && [ -f "$prefix/.built" ]; then
  echo "asterisk $version: cached build at $prefix" >&2
  echo "$prefix"
  exit 0
fi

"$here/install-packages.sh" build

for f in "asterisk-$version.tar.gz" "$pjproject"; do
  [ -f "$src_dir/$f" ] || { echo "missing $src_dir/$f: set ASTERISK_SRC_DIR to the folder holding the Asterisk and pjproject tarballs" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/outpace-asterisk-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$cache/build-$version-$key.log"
mkdir -p "$cache" "$work/downloads"
cp "$src_dir/$pjproject" "$work/downloads/"
echo "asterisk $version: building into $prefix (log: $log; about 4 minutes on 2 cores)" >&2
start=$(date +%s)
(
  set -e
  cd "$work"
  tar xzf "$src_dir/asterisk-$version.tar.gz"
  cd "asterisk-$version"
  ./configure --prefix="$prefix" --with-download-cache="$work/downloads" "${configure_flags[@]}"
  make menuselect.makeopts
  menuselect/menuselect --disable-category MENUSELECT_CORE_SOUNDS --disable-category MENUSELECT_MOH \
    --disable-category MENUSELECT_EXTRA_SOUNDS menuselect.makeopts
  for m in "${disabled[@]}"; do menuselect/menuselect --disable "$m" menuselect.makeopts >/dev/null 2>&1 || true; done
  make -j"$(nproc)"
  make install
) >"$log" 2>&1 || { echo "asterisk build failed; last lines of $log:" >&2; tail -30 "$log" >&2; exit 1; }
touch "$prefix/.built"
echo "asterisk $version: built in $(( $(date +%s) - start )) s" >&2
echo "$prefix"
