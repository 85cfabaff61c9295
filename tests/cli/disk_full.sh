#!/bin/sh
# Disk full while writing: generate's PNGs, a dataset's images and a classifier export land on a
# 64 KiB tmpfs (in a private mount namespace, so nothing outside sees it). Each must fail with
# "disk full" and the path, and leave only complete files (no temporary, no half PNG, no export
# without its classifier.json).
# usage: disk_full.sh CLI FIXTURES WORK
cli=$1 fx=$2 work=$3
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
    echo "PICTOR_SKIPPED: a private tmpfs needs root (unshare -m)"
    exit 0
fi
rm -rf "$work" && mkdir -p "$work/full" || exit 3
exec unshare -m sh -c '
cli=$1 fx=$2 work=$3
mount -t tmpfs -o size=64k tmpfs "$work/full" || exit 3
# Every file left must be complete: a PNG ends with its IEND chunk, nothing is a dot-temporary.
check_complete() {
    leftovers=$(find "$1" -name ".*" -type f | wc -l)
    [ "$leftovers" = 0 ] || { echo "temporary files left in $1"; exit 1; }
    for f in $(find "$1" -name "*.png"); do
        tail -c 8 "$f" | od -An -c | grep -q "I   E   N   D" || { echo "incomplete PNG $f"; exit 1; }
    done
}
"$cli" generate --model "$fx/sd-tiny" --prompt "a fox" --steps 1 --images 12 --seed 7 --width 64 --height 64 \
    --out "$work/full/gen" 2>&1 | tail -1
check_complete "$work/full/gen"
echo "generate: $(ls "$work/full/gen" | wc -l) complete PNGs"
rm -rf "$work/full/gen"
"$cli" dataset --model "$fx/sd-tiny" --class fox="a fox" --class dog="a dog" --per-class 8 --steps 1 --size 64 \
    --out "$work/full/data" 2>&1 | tail -1
check_complete "$work/full/data"
echo "dataset: nothing partial"
rm -rf "$work/full/data"
"$cli" dataset --model "$fx/sd-tiny" --class fox="a fox" --class dog="a dog" --per-class 2 --steps 1 --size 64 \
    --out "$work/data" > /dev/null 2>&1 || exit 3
"$cli" train --data "$work/data" --weights "$fx/resnet/resnet18.pth" --epochs 1 --batch 2 --split 0.5 \
    --out "$work/full/model" 2>&1 | tail -1
[ ! -e "$work/full/model/model.safetensors" ] && [ ! -e "$work/full/model/classifier.json" ] || { echo "half an export"; exit 1; }
check_complete "$work/full/model"
echo "export: nothing partial"
' sh "$cli" "$fx" "$work"
