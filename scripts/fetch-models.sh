#!/usr/bin/env bash
# fetch-models.sh — download amsel's eight ImageNet models (+ labels) for users
# without ../shared, laid out like it: DEST/models/imagenet/<file>.
#
#   scripts/fetch-models.sh [--dest DIR]     download into DIR (default ./data)
#   scripts/fetch-models.sh --check DIR      only verify DIR/models/imagenet/*
#
# Then point amsel at it: --data DIR or AMSEL_DATA=DIR.
#
# Every model is fetched from a raw GitHub URL pinned to a full commit (the
# sources listed in ../shared/models/imagenet/MODELS.tsv) and checked against
# the sha256 below (copied from MODELS.tsv); a file that does not match is
# deleted and the script fails. The validation images are not fetched here
# (see ../shared/README.md for their source).
#
# labels.txt: MODELS.tsv gives no source for it. It is built from
# google-coral/test_data's imagenet_labels.txt at the same commit as the
# models, with the leading line numbers stripped ("0  background" ->
# "background"). That this reproduces ../shared's labels.txt byte for byte
# has NOT been verified (no network where this script was written): its
# sha256 is compared with ../shared's, but a mismatch is only a warning.
set -euo pipefail

CORAL_TD=https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41
CORAL_ET=https://raw.githubusercontent.com/google-coral/edgetpu/285cacf0a879e3e343abd38c33eb622ae253529c/test_data
ATU=https://raw.githubusercontent.com/weilly0912/ATU_Model_Zoo/16742989779cd175d708afd02c3c748a86494027/Classification

# file, sha256 (from MODELS.tsv), URL
MODELS="
mobilenet_v1_0.25_128_quant.tflite cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785 $CORAL_TD/mobilenet_v1_0.25_128_quant.tflite
mobilenet_v1_0.5_160_quant.tflite 3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43 $CORAL_TD/mobilenet_v1_0.5_160_quant.tflite
v3-small_224_1.0_uint8.tflite da341cf06fa50127a72dcbeb140ee5ee98013630aa044260a4c3d45c43fc89ce $ATU/mobilenet_v3/v3-small_224_1.0_uint8.tflite
mobilenet_v1_0.75_192_quant.tflite 41daeb22fdcf947e0e5ec32373aa9df7c31f3ef45dbd0ef7b5940fbce3c20f6a $CORAL_TD/mobilenet_v1_0.75_192_quant.tflite
mobilenet_v2_1.0_224_quant.tflite 7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776 $CORAL_TD/mobilenet_v2_1.0_224_quant.tflite
tf2_mobilenet_v2_1.0_224_ptq.tflite 5d3137241276e79c86d14a74fe43581398ae0e815191d3dba45495b810840e8c $CORAL_TD/tf2_mobilenet_v2_1.0_224_ptq.tflite
mobilenet_v1_0.75_224_quant.tflite c840ef6d6284a744a4b7c29c9fca0e66b71a20ea55ce1c8a705d2cfe11190eb6 $ATU/mobilenet_v1/mobilenet_v1_0.75_224_quant.tflite
mobilenet_edgetpu_0.75_224_post_training_quant.tflite f62a136cbe6ab745e0eaf5ce308666ffe57cf36b5e6550200b88c11ab30014cd $CORAL_ET/mobilenet_edgetpu_0.75_224_post_training_quant.tflite
"
LABELS_URL=$CORAL_TD/imagenet_labels.txt
# sha256 of ../shared/models/imagenet/labels.txt (1001 lines, "background" first).
LABELS_SHA256=b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1

usage() {
    cat <<EOF
usage: $0 [--dest DIR]
       $0 --check DIR
       $0 --help

Downloads the 8 ImageNet models and labels.txt used by amsel into
DIR/models/imagenet/ (default DIR: ./data), from raw GitHub URLs pinned to
commits, and verifies each model's sha256 (a mismatching file is deleted and
the script exits 1). Files already present with the right sha256 are kept.

  --dest DIR   target folder (default ./data); use it as amsel --data DIR
  --check DIR  download nothing: verify DIR/models/imagenet/* (e.g. ../shared)
  --help       this text

Needs curl or wget, and sha256sum or shasum.
EOF
}

die() { echo "fetch-models: error: $*" >&2; exit 1; }
warn() { echo "fetch-models: warning: $*" >&2; }

mode=fetch
dest=./data
while [ $# -gt 0 ]; do
    case "$1" in
        --dest) [ $# -ge 2 ] || die "--dest needs a folder"; dest=$2; shift 2 ;;
        --dest=*) dest=${1#--dest=}; shift ;;
        --check) [ $# -ge 2 ] || die "--check needs a folder"; mode=check; dest=$2; shift 2 ;;
        --check=*) mode=check; dest=${1#--check=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[ -n "$dest" ] || die "empty folder name"

if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
    die "need sha256sum or shasum"
fi

download() { # URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q --tries=3 --timeout=30 -O "$2" "$1"
    else
        die "need curl or wget"
    fi
}

dir=$dest/models/imagenet
failed=0

if [ "$mode" = check ]; then
    [ -d "$dir" ] || die "$dir: no such folder"
    while read -r file sha url; do
        [ -n "$file" ] || continue
        if [ ! -f "$dir/$file" ]; then
            echo "MISSING  $file" >&2; failed=$((failed + 1))
        elif [ "$(sha256 "$dir/$file")" != "$sha" ]; then
            echo "BAD      $file (sha256 mismatch)" >&2; failed=$((failed + 1))
        else
            echo "ok       $file"
        fi
    done <<<"$MODELS"
    if [ ! -f "$dir/labels.txt" ]; then
        echo "MISSING  labels.txt" >&2; failed=$((failed + 1))
    elif [ "$(sha256 "$dir/labels.txt")" != "$LABELS_SHA256" ]; then
        warn "labels.txt differs from ../shared's (source unverified, see the script's header)"
    else
        echo "ok       labels.txt"
    fi
    [ "$failed" -eq 0 ] || die "$failed file(s) missing or corrupt in $dir"
    echo "all models verified in $dir"
    exit 0
fi

mkdir -p "$dir"
while read -r file sha url; do
    [ -n "$file" ] || continue
    target=$dir/$file
    if [ -f "$target" ] && [ "$(sha256 "$target")" = "$sha" ]; then
        echo "ok       $file (already there)"
        continue
    fi
    if [ -f "$target" ]; then
        echo "BAD      $file: present with the wrong sha256 (deleted, fetching again)" >&2
        rm -f "$target"
    fi
    echo "fetching $file" >&2
    rm -f "$target.part"
    if ! download "$url" "$target.part"; then
        rm -f "$target.part"
        echo "FAILED   $file: download failed: $url" >&2
        failed=$((failed + 1))
        continue
    fi
    got=$(sha256 "$target.part")
    if [ "$got" != "$sha" ]; then
        rm -f "$target.part" "$target"
        echo "BAD      $file: sha256 $got, expected $sha (deleted)" >&2
        failed=$((failed + 1))
        continue
    fi
    mv -f "$target.part" "$target"
    echo "ok       $file"
done <<<"$MODELS"

# labels.txt: numbered upstream; strip the numbers and any CR. Unverified
# source: a hash mismatch is a warning, not an error (see the header).
if [ -f "$dir/labels.txt" ] && [ "$(sha256 "$dir/labels.txt")" = "$LABELS_SHA256" ]; then
    echo "ok       labels.txt (already there)"
elif download "$LABELS_URL" "$dir/labels.txt.part"; then
    sed -e 's/\r$//' -e 's/^[0-9][0-9]*[[:space:]]*//' "$dir/labels.txt.part" >"$dir/labels.txt"
    rm -f "$dir/labels.txt.part"
    n=$(wc -l <"$dir/labels.txt")
    [ "$n" -eq 1001 ] || warn "labels.txt has $n lines, expected 1001"
    if [ "$(sha256 "$dir/labels.txt")" = "$LABELS_SHA256" ]; then
        echo "ok       labels.txt"
    else
        warn "labels.txt (from $LABELS_URL) differs from ../shared's; check it before relying on class names"
    fi
else
    rm -f "$dir/labels.txt.part"
    echo "FAILED   labels.txt: download failed: $LABELS_URL" >&2
    failed=$((failed + 1))
fi

[ "$failed" -eq 0 ] || die "$failed file(s) could not be fetched or verified"
echo "done: use --data $dest (or AMSEL_DATA=$dest)"
