#!/bin/sh
# Regenerates docs/cli.md from `vfstudio-cli --help` and `vfstudio-cli <command> --help`.
# usage: docs/gen-cli.sh [path/to/vfstudio-cli]   (default: build/app/vfstudio-cli)
# tests/export/test_docs_cli fails when a command or option of --help is missing here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-"$here/../build/app/vfstudio-cli"}
[ -x "$cli" ] || { echo "gen-cli.sh: $cli is not an executable (build vfstudio-cli first)" >&2; exit 1; }
out="$here/cli.md"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

# Command names: the indented lines under "commands:" in the top-level help.
commands=$("$cli" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{if (n++) on=0}')

{
    echo "# vfstudio-cli reference"
    echo
    echo "\`vfstudio-cli\` runs the vfstudio engine without a display: the same readers, fusion"
    echo "methods, metrics and writers as the GUI. Exit codes: 0 success, 1 failure (the message"
    echo "names the file and the problem), 2 bad usage. Every command prints its options with"
    echo "\`--help\`; this page is generated from that output by \`docs/gen-cli.sh\`."
    echo
    echo '```text'
    "$cli" --help
    echo '```'
    echo
    echo "Commands: $(for c in $commands; do printf '[%s](#%s) ' "$c" "$c"; done)"
    for c in $commands; do
        echo
        echo "## $c"
        echo
        echo '```text'
        "$cli" "$c" --help
        echo '```'
    done
} > "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out ($(echo $commands | wc -w) commands)"
