#!/bin/sh
# Makes outpace's prompts as 8 kHz mono 16-bit WAV files, the form Asterisk
# plays without transcoding (sound:outpace/abandon -> /var/lib/asterisk/sounds/outpace/abandon.wav).
# Needs Debian's espeak-ng and sox:  apt-get install -y espeak-ng sox
# Re-record them with a human voice for production; the wording below covers
# what the US (FCC/FTC) and UK (Ofcom) rules ask of an abandon message: who
# called, a number to call back, and how to opt out.
#
#   COMPANY="Example Energy" CALLBACK="0 800 123 4567" sounds/make-prompts.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
company=${COMPANY:-the outpace demonstration company}
callback=${CALLBACK:-5 5 5, 0 1 0 0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

prompt() {
  name=$1
  text=$2
  espeak-ng -v en-us -s 150 -w "$tmp/$name.wav" "$text"
  # 8 kHz, mono, signed 16-bit; a short fade so the line does not click.
  sox "$tmp/$name.wav" -r 8000 -c 1 -b 16 -e signed-integer "$here/$name.wav" fade 0.02 0 0.05 norm -3
  echo "$here/$name.wav: $(soxi -D "$here/$name.wav") s"
}

prompt abandon "Hello. This is a call from $company. We are sorry, no one is free to speak with you right now. Please call us back at $callback. To stop receiving our calls, call that number and ask to be removed from our list. Goodbye."
prompt machine-message "Hello, this is $company calling. Please call us back at $callback. To stop receiving our calls, call that number and ask to be removed from our list. Thank you, goodbye."
