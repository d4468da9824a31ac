#!/bin/sh
# Makes outpace's own number words, in English and in Mandarin Chinese, as
# 8 kHz mono 16-bit WAV files:
#   sounds/numbers/<language>/<word>.wav  ->  sound:outpace/numbers/<language>/<word>
# (install sounds/ under /var/lib/asterisk/sounds/outpace/). Broadcasts speak
# amounts, dates and digit strings from these (src/ivr/spoken-numbers.ts says
# which words make which number) instead of Asterisk's number: and digits:
# media: those cannot be stopped by a key (DELETE /playbacks answers 500), and
# Debian ships no Mandarin core sounds, so a Mandarin lead heard English.
# Needs Debian's espeak-ng and sox:  apt-get install -y espeak-ng sox
# Re-record them with a human voice for production.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/espeak-prompt.sh"

# word LANGUAGE VOICE NAME TEXT
word() {
  espeak_prompt "$here/numbers/$1/$3.wav" "$2" "$4" trim
}

en() { word en en-us "$@"; }
zh() { word zh cmn "$@"; }

i=0
for w in zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen; do
  en "$i" "$w"
  i=$((i + 1))
done
i=20
for w in twenty thirty forty fifty sixty seventy eighty ninety; do
  en "$i" "$w"
  i=$((i + 10))
done
en hundred "hundred"
en thousand "thousand"
en million "million"
en minus "minus"
en star "star"
en hash "pound"

i=0
for w in 零 一 二 三 四 五 六 七 八 九; do
  zh "$i" "$w"
  i=$((i + 1))
done
zh ten "十"
zh hundred "百"
zh thousand "千"
zh ten-thousand "万"
zh hundred-million "亿"
zh minus "负"
zh star "星号"
zh hash "井号"
