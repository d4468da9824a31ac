# Sourced by the make-*-prompts.sh scripts: one prompt from text with
# espeak-ng, as an 8 kHz mono 16-bit WAV file (the form Asterisk plays without
# transcoding), with a short fade so the line does not click.
#   espeak_prompt OUT VOICE TEXT [trim]
# trim: cut the silence espeak-ng leaves at the end, for words spoken one
# after another (numbers). Needs $tmp, a scratch folder.
espeak_prompt() {
  mkdir -p "$(dirname "$1")"
  espeak-ng -v "$2" -s 150 -w "$tmp/p.wav" "$3"
  if [ "${4:-}" = trim ]; then
    sox "$tmp/p.wav" "$tmp/t.wav" reverse silence 1 0.02 0.5% reverse
    mv "$tmp/t.wav" "$tmp/p.wav"
  fi
  sox "$tmp/p.wav" -r 8000 -c 1 -b 16 -e signed-integer "$1" fade 0.02 0 0.05 norm -3
  echo "$1: $(soxi -D "$1") s"
}
