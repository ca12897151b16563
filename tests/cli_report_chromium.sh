# amsel report in a real browser: headless Chromium loads the page, its DOM
# holds the 6 plots and their points, and a screenshot shows them (many
# colours, a fair share of non-white pixels, not one flat colour). Skipped
# when chromium is not installed; AMSEL_TEST_QUICK=1 skips it too (a
# browser under the sanitizer run costs time and tests nothing of ours).
. "$(dirname "$0")/lib/cli.sh"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ] || ! command -v python3 >/dev/null; then
    echo "no chromium or python3: skipping" >&2; exit 77
fi
if [ -n "${AMSEL_TEST_QUICK:-}" ]; then echo "AMSEL_TEST_QUICK: skipping" >&2; exit 77; fi
S="$(cd "$(dirname "$0")" && pwd)/data/eval_sample.json"
"$AMSEL" report --eval "$S" -o "$T/report.html" 2>"$T/err" || { fail "report: $(cat "$T/err")"; finish; }

# Its own profile folder, so that it neither meets nor leaves a user's.
run() { timeout 60 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
            --user-data-dir="$T/profile" "$@" "file://$T/report.html" 2>>"$T/chromium.err"; }
run --dump-dom > "$T/dom.html" || fail "chromium --dump-dom failed: $(tail -3 "$T/chromium.err")"
count() { grep -o -- "$1" "$T/dom.html" | wc -l; }
[ "$(count '<svg')" -eq 6 ] || fail "DOM: $(count '<svg') svg elements, expected 6"
[ "$(count '<circle class="pt"')" -eq 16 ] || fail "DOM: scatter points"
[ "$(count '<circle class="fold"')" -eq 160 ] || fail "DOM: fold dots"
grep -q '<table>' "$T/dom.html" || fail "DOM: no table"

run --screenshot="$T/shot.png" --window-size=1200,3000 >/dev/null || fail "chromium --screenshot failed"
[ -s "$T/shot.png" ] || { fail "no screenshot"; finish; }
# Decode the PNG (8-bit RGB/RGBA, non-interlaced, as Chromium writes it).
/usr/bin/python3 - "$T/shot.png" <<'PY' || fail "screenshot does not show the plots"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and ctype in (2, 6) and not interlace, "unexpected PNG format"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
# "Up" rows (most of them) added bytewise at once: carry-free addition of
# big integers (low 7 bits added, top bit xored in).
M7, M8 = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
def add(a, b):
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return bytearray((((x & M7) + (y & M7)) ^ ((x ^ y) & M8)).to_bytes(stride, "big"))
prev, colours, ink, seen = bytearray(stride), set(), 0, 0
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 2:
        line = add(line, prev)
    elif f:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pr = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c
            line[i] = (line[i] + (0, a, b, (a + b) // 2, pr)[f]) & 255
    if y % 3 == 0:  # a sample of the pixels is plenty
        for x in range(0, stride, bpp * 2):
            px = bytes(line[x:x + 3])
            colours.add(px)
            ink += px != b"\xff\xff\xff"
            seen += 1
    prev = line
share = ink / seen
print(f"{w}x{h}: {len(colours)} colours, {100 * share:.1f}% non-white")
# The plots bring the kind and model palettes: many colours; text and
# plots cover a few percent of the page.
assert len(colours) >= 30, "too few colours"
assert 0.02 < share < 0.9, "page is (nearly) one colour"
PY
finish
