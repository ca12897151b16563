#!/usr/bin/python3
"""Cross-checks `amsel features` against OpenCV (Debian python3-opencv).

On the shared photos and the first --images validation images at native
size, amsel writes its working image and its blurred grey image (--dump);
OpenCV then runs on those same pixels:
  * blur: cv2.GaussianBlur(grey, (3, 3), 0) against amsel's (within 1 level)
  * Canny edges: cv2.Canny(blurred, 80, 160) (3x3 Sobel, L1) against amsel's
    edge map; agreement = |both| / |either| over all images (>= --min-canny)
  * FAST corners: cv2.FastFeatureDetector (threshold 10, 9/16, suppression)
    count against n_keypoints, within --max-fast-diff relative per image
  * hue histogram: cv2.cvtColor HSV, S >= 51 and V >= 26, bin H*7//180,
    divided by the pixel count, against hue1..7 (equal within 1e-6)
  * brightness: mean of cv2 grey against avg_brightness (within 1e-6)
Then resolution invariance: the same images downscaled 0.5x (cv2 INTER_AREA,
saved as PNG) against the originals; per feature, |difference| / (range of
the feature over the originals) summarised by median and p90 over images;
fails when a feature's median exceeds --max-invariance.
Exit 0 pass, 1 fail, 77 when cv2 or numpy is missing.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

try:
    import cv2
    import numpy as np
except ImportError:
    print("cv2/numpy not available: skipping")
    sys.exit(77)

CANNY_LOW, CANNY_HIGH = 80, 160
PHOTOS = ["cat_1080p.jpg", "cat_720p.jpg", "grace_hopper.bmp", "hot_dog.jpg",
          "kite_and_cold.jpg", "owl.jpg", "parrot.jpg"]


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    # The last column, features_ms, is what the features cost, not a feature.
    n = len(rows[0]) - (rows[0][-1] == "features_ms")
    names = rows[0][2:n]
    return names, {r[0]: np.array([float(v) for v in r[2:n]]) for r in rows[1:]}


def run_features(amsel, data, img_dir, labels, out_csv, dump=None):
    cmd = [amsel, "features", "--data", data, "--dataset", labels, "--images", img_dir,
           "-o", out_csv]
    if dump:
        cmd += ["--dump", dump]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("amsel features failed (%d): %s" % (r.returncode, r.stderr.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--amsel", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--images", type=int, default=60,
                    help="validation images at native size, besides the photos")
    ap.add_argument("--min-canny", type=float, default=0.95)
    ap.add_argument("--max-fast-diff", type=float, default=0.05)
    ap.add_argument("--max-invariance", type=float, default=0.10)
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="amsel-xc-")
    full, half, dump = (os.path.join(tmp, d) for d in ("full", "half", "dump"))
    for d in (full, half, dump):
        os.mkdir(d)
    items = []  # (name, source path)
    for p in PHOTOS:
        src = os.path.join(a.data, "images", p)
        if os.path.exists(src):
            items.append((p, src))
    native = os.path.join(a.data, "datasets", "ilsvrc2012-val-native")
    if os.path.exists(os.path.join(native, "labels.txt")):
        with open(os.path.join(native, "labels.txt")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and len(items) < len(PHOTOS) + a.images:
                    items.append((parts[0], os.path.join(native, "images", parts[0])))
    if len(items) < 5:
        print("too few images under %s: skipping" % a.data)
        return 77
    labels = os.path.join(tmp, "labels.txt")
    with open(labels, "w") as f:
        for name, src in items:
            os.symlink(os.path.abspath(src), os.path.join(full, name))
            img = cv2.imread(src, cv2.IMREAD_COLOR)
            small = cv2.resize(img, (max(1, img.shape[1] // 2), max(1, img.shape[0] // 2)),
                               interpolation=cv2.INTER_AREA)
            cv2.imwrite(os.path.join(half, name + ".png"), small)
            f.write("%s 0\n" % name)
    labels_half = os.path.join(tmp, "labels_half.txt")
    with open(labels_half, "w") as f:
        for name, _ in items:
            f.write("%s.png 0\n" % name)
    run_features(a.amsel, a.data, full, labels, os.path.join(tmp, "full.csv"), dump)
    run_features(a.amsel, a.data, half, labels_half, os.path.join(tmp, "half.csv"))
    names, ours = read_csv(os.path.join(tmp, "full.csv"))
    _, ours_half = read_csv(os.path.join(tmp, "half.csv"))
    col = {n: i for i, n in enumerate(names)}

    fails = []
    both = either = 0
    worst_canny = (1.0, "")
    fast_diffs, hue_err, bright_err, blur_diff = [], 0.0, 0.0, 0
    fast = cv2.FastFeatureDetector_create(10, True, cv2.FAST_FEATURE_DETECTOR_TYPE_9_16)
    for name, _ in items:
        bgr = cv2.imread(os.path.join(dump, name + ".ppm"), cv2.IMREAD_COLOR)
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        smooth_cv = cv2.GaussianBlur(grey, (3, 3), 0)
        smooth = cv2.imread(os.path.join(dump, name + ".smooth.pgm"), cv2.IMREAD_GRAYSCALE)
        blur_diff = max(blur_diff, int(np.max(np.abs(smooth.astype(int) - smooth_cv))))
        v = ours[name]
        # Canny
        e_cv = cv2.Canny(smooth, CANNY_LOW, CANNY_HIGH) > 0
        e_us = cv2.imread(os.path.join(dump, name + ".edges.pgm"), cv2.IMREAD_GRAYSCALE) > 0
        b, e = int(np.sum(e_cv & e_us)), int(np.sum(e_cv | e_us))
        both += b
        either += e
        agree = b / e if e else 1.0
        worst_canny = min(worst_canny, (agree, name))
        # FAST
        n_cv = len(fast.detect(smooth, None))
        n_us = v[col["n_keypoints"]]
        fast_diffs.append((abs(n_us - n_cv) / max(n_cv, 20), name, n_us, n_cv))
        # hue
        hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
        mask = (hsv[..., 1] >= 51) & (hsv[..., 2] >= 26)
        hist = np.bincount(np.minimum(hsv[..., 0][mask].astype(int) * 7 // 180, 6),
                           minlength=7) / grey.size
        hue_err = max(hue_err, float(np.max(np.abs(hist - v[[col["hue%d" % k]
                                                            for k in range(1, 8)]]))))
        bright_err = max(bright_err, abs(float(grey.mean()) - v[col["avg_brightness"]]))
    canny = both / either if either else 1.0
    fast_diffs.sort(reverse=True)
    print("images: %d (%d photos + validation images at native size)" % (len(items),
          sum(1 for n, _ in items if n in PHOTOS)))
    print("canny: edge pixels agreeing %.4f (both %d / either %d); worst image %.4f (%s)"
          % (canny, both, either, worst_canny[0], worst_canny[1]))
    print("fast: largest count difference %.2f%% (%s: amsel %d, OpenCV %d)"
          % (100 * fast_diffs[0][0], fast_diffs[0][1], fast_diffs[0][2], fast_diffs[0][3]))
    print("blur: largest grey-level difference from cv2.GaussianBlur 3x3: %d" % blur_diff)
    print("hue: largest bin difference %.2g; brightness: largest difference %.2g"
          % (hue_err, bright_err))
    if canny < a.min_canny:
        fails.append("canny agreement %.4f < %.2f" % (canny, a.min_canny))
    if fast_diffs[0][0] > a.max_fast_diff:
        fails.append("FAST count differs by %.1f%%" % (100 * fast_diffs[0][0]))
    if blur_diff > 1:
        fails.append("3x3 blur differs from OpenCV's by %d grey levels" % blur_diff)
    if hue_err > 1e-6:
        fails.append("hue histogram differs by %g" % hue_err)
    if bright_err > 1e-6:
        fails.append("brightness differs by %g" % bright_err)

    # Resolution invariance.
    full_m = np.array([ours[n] for n, _ in items])
    half_m = np.array([ours_half[n + ".png"] for n, _ in items])
    rng = full_m.max(axis=0) - full_m.min(axis=0)
    rel = np.abs(half_m - full_m) / np.where(rng > 0, rng, 1.0)
    med, p90 = np.median(rel, axis=0), np.percentile(rel, 90, axis=0)
    print("resolution invariance (0.5x copy vs original), |diff| / dataset range:")
    print("  %-20s %7s %7s" % ("feature", "median", "p90"))
    for i, n in enumerate(names):
        print("  %-20s %7.3f %7.3f" % (n, med[i], p90[i]))
        if med[i] > a.max_invariance:
            fails.append("%s: median difference %.3f of range at 0.5x" % (n, med[i]))
    print("  all features: median %.3f, p90 %.3f, %.1f%% of values within 10%%"
          % (np.median(rel), np.percentile(rel, 90), 100 * np.mean(rel < 0.10)))
    for f in fails:
        print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
