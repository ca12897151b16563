# write_cascade_selector OUT MODELS_DIR M0 M1: a hand-written selector file
# (sourced by tests and scripts/cross-aarch64.sh): run M0, stop when its
# top-1 score is >= 0.5, else M1; both models pinned by their sha256.
write_cascade_selector() {
    local out="$1" dir="$2" m0="$3" m1="$4" h0 h1
    h0=$(sha256sum "$dir/$m0.tflite" | cut -d' ' -f1)
    h1=$(sha256sum "$dir/$m1.tflite" | cut -d' ' -f1)
    cat > "$out" <<JSON
{"format": "amsel-selector", "version": 1, "objective": "top1", "crop": 0.875,
 "policy": {"kind": "cascade", "combine": false, "confidence": "top1", "fallback": 1,
  "stages": [{"model": "$m0", "file": "$m0.tflite", "sha256": "$h0", "threshold": 0.5},
             {"model": "$m1", "file": "$m1.tflite", "sha256": "$h1", "threshold": 0}]},
 "cv": {"top1": 70.0}}
JSON
}
