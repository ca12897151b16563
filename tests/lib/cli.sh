# Helpers for the CLI tests (sourced). $AMSEL is the binary under test.
AMSEL="$1"
DATA="${AMSEL_DATA:-}"
fails=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Cross builds: AMSEL_EMULATOR (e.g. "qemu-aarch64")
# runs the binary; a wrapper keeps "$AMSEL" one word for the scripts.
if [ -n "${AMSEL_EMULATOR:-}" ]; then
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$AMSEL_EMULATOR" "$AMSEL" > "$T/amsel-emu"
    chmod +x "$T/amsel-emu"
    AMSEL="$T/amsel-emu"
fi

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_fail CODE PATTERN CMD...: the command exits with CODE (any
# non-zero when CODE is "nz") and its stderr matches PATTERN.
expect_fail() {
    local code="$1" pattern="$2"; shift 2
    local rc=0
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$code" = nz ] && [ "$rc" -eq 0 ]; then fail "expected failure: $*"; return; fi
    if [ "$code" != nz ] && [ "$rc" -ne "$code" ]; then fail "exit $rc, expected $code: $*"; fi
    if ! grep -qE -- "$pattern" "$T/err"; then
        fail "stderr of '$*' lacks /$pattern/:"; sed 's/^/    /' "$T/err" >&2
    fi
    if grep -qE 'AddressSanitizer|runtime error|Segmentation' "$T/err"; then fail "crash: $*"; fi
}

need_data() {
    if [ -z "$DATA" ] || [ ! -d "$DATA/models/imagenet" ]; then
        echo "no data folder (AMSEL_DATA): skipping" >&2; exit 77
    fi
}

finish() {
    if [ "$fails" -ne 0 ]; then echo "$fails failure(s)" >&2; exit 1; fi
    echo "ok"
}
