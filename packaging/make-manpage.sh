#!/usr/bin/env bash
# Writes the vfstudio-cli(1) man page from the program's own --help texts, so the page never
# drifts from the code.  usage: make-manpage.sh <vfstudio-cli> <version> <out.1>
set -euo pipefail
cli="$1"; version="$2"; out="$3"
esc() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/" -e 's/^-/\\-/'; }
{
  echo ".TH VFSTUDIO-CLI 1 \"$(date -u +%Y-%m-%d)\" \"vfstudio $version\" \"User Commands\""
  echo ".SH NAME"
  echo "vfstudio-cli \\- infrared-visible video fusion engine without a display"
  echo ".SH SYNOPSIS"
  echo ".B vfstudio-cli"
  echo ".I command"
  echo "[\\fIoptions\\fR]"
  echo ".SH DESCRIPTION"
  echo "vfstudio-cli runs the vfstudio engine (VideoFusion, image-level baselines, metrics,"
  echo "export) on files and folders. Exit status: 0 on success, 1 on failure (with a message"
  echo "on standard error), 2 on bad usage."
  echo ".SH COMMANDS"
  "$cli" --help | sed -n '/^commands:/,/^$/p' | sed '1d;/^$/d' | while read -r name rest; do
    echo ".TP"; echo ".B $name"; echo "$rest" | esc
  done
  "$cli" --help | sed -n '/^commands:/,/^$/p' | sed '1d;/^$/d' | while read -r name rest; do
    echo ".SH \"vfstudio-cli $name\""
    echo ".nf"
    "$cli" "$name" --help | esc
    echo ".fi"
  done
  echo ".SH FILES"
  echo ".TP"; echo ".I /usr/share/vfstudio"
  echo "demo pair and default model weights"
  echo ".SH SEE ALSO"
  echo ".BR vfstudio (1)"
} > "$out"
