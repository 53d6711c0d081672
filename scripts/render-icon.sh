#!/usr/bin/env bash
# Renders media/icon.svg (the source) to media/icon.png, the 128×128 icon the VSIX ships (package.json "icon").
# Run it after editing the SVG and commit both; CI does not render. Needs rsvg-convert
# (apt-get install librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
rsvg-convert --width 128 --height 128 --format png --output media/icon.png media/icon.svg
