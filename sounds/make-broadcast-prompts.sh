#!/bin/sh
# Makes the bill-reminder broadcast's prompts, in English and in Mandarin
# Chinese, as 8 kHz mono 16-bit WAV files:
#   sounds/bill-reminder/<language>/<prompt>.wav  ->  sound:outpace/bill-reminder/<language>/<prompt>
# (install sounds/ under /var/lib/asterisk/sounds/outpace/). The message that
# uses them is sounds/bill-reminder/message.json; amounts, dates and account
# numbers are spoken by Asterisk itself (number:, digits:) in the playback's
# language, between these prompts.
# Needs Debian's espeak-ng and sox:  apt-get install -y espeak-ng sox
# Re-record them with a human voice for production.
#
#   OPERATOR="Example Telecom" sounds/make-broadcast-prompts.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
operator=${OPERATOR:-your telephone operator}
operator_zh=${OPERATOR_ZH:-您的电信运营商}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/espeak-prompt.sh"

# prompt LANGUAGE VOICE NAME TEXT
prompt() {
  espeak_prompt "$here/bill-reminder/$1/$3.wav" "$2" "$4"
}

en() { prompt en en-us "$@"; }
zh() { prompt zh cmn "$@"; }

en intro "Hello. This is $operator, with a reminder about your bill."
en bill-amount "Your bill of"
en currency-major "dollars"
en currency-minor "cents"
en due-on "is due on"
en menu "Press 1 to speak to an agent, 2 to hear this message again, or 9 to stop these reminders."
en busy-callback "All our agents are busy right now. We will call you back soon. Goodbye."
en opt-out "You will not receive these reminders again. Goodbye."
en goodbye "Thank you. Goodbye."
i=1
for month in January February March April May June July August September October November December; do
  en "month-$i" "$month"
  i=$((i + 1))
done

zh intro "您好，这里是${operator_zh}，提醒您缴纳账单。"
zh bill-amount "您的账单金额为"
zh currency-major "元"
zh currency-minor "分"
zh due-on "到期日为"
zh menu "转人工服务请按1，重听请按2，不再接收提醒请按9。"
zh busy-callback "我们的客服人员正忙，稍后将给您回电。再见。"
zh opt-out "您将不再收到此类提醒。再见。"
zh goodbye "谢谢，再见。"
zh day-suffix "日"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  zh "month-$i" "${i}月"
done
