#!/bin/sh
# Regenerates docs/images/*.png from the GUI tests: runs them offscreen with VF_TEST_OUTPUT
# pointing to a temporary folder, then copies the screenshots the user guide shows,
# downscaled (at most 560 pixels wide) and reduced to a 96-colour palette with FFmpeg so
# that the whole set stays a few hundred KB.
# usage: docs/update-screenshots.sh [build folder]   (default: build)
# Needs the test executables built: test_gui_shell, test_gui_workbench, test_export_gui,
# test_annotate_gui (and test_gui_tools when it exists).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../build"}
images="$here/images"
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
mkdir -p "$images"

for t in tests/gui/test_gui_shell tests/gui/test_gui_workbench tests/gui/test_gui_tools \
         tests/export/test_export_gui tests/annotate/test_annotate_gui; do
    if [ -x "$build/$t" ]; then
        echo "running $t"
        QT_QPA_PLATFORM=offscreen VF_TEST_OUTPUT="$shots" "$build/$t" >"$shots/$(basename "$t").log" 2>&1 ||
            { echo "  warning: $t failed; using the screenshots it saved:";
              grep -A2 "^FAIL" "$shots/$(basename "$t").log" | sed 's/^/    /'; }
    else
        echo "  skipping $t (not built in $build)"
    fi
done

# The screenshots the guide uses (name in the test output = name in docs/images).
for name in gui_shell_demo_pair workbench_baseline_grid workbench_videofusion_grid \
            export_screen_wipe export_screen_difference workbench_zoom_magnifier \
            workbench_stage_heatmap workbench_stage_matrix workbench_metrics \
            workbench_session_reopened annotate_overlay annotate_blind_ranking \
            tools_xt_slice_dock tools_intensity_curves tools_degrade_offer \
            export_clip_dialog export_comparison_dialog export_comparison_grid-ffv1-plot; do
    src="$shots/$name.png"
    [ -f "$src" ] || { echo "  missing: $name.png"; continue; }
    ffmpeg -v error -y -i "$src" -vf \
        "scale='min(560,iw)':-2:flags=area,split[a][b];[a]palettegen=max_colors=96[p];[b][p]paletteuse=dither=bayer:bayer_scale=3" \
        -frames:v 1 "$images/$name.png"
done
du -ch "$images"/*.png | tail -1
