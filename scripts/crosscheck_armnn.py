#!/usr/bin/python3
"""Cross-check amsel's inference engine against Arm NN's TFLite parser.

Both engines get exactly the same quantized input bytes (prepared here with
OpenCV, independently of amsel's own image code): amsel through
`amsel run`, Arm NN through pyarmnn.  The raw uint8/int8 outputs are then
compared: top-1 (argmax over outputs 1..1000, ties -> lowest index) and
every value within +-1.

Usage:
  /usr/bin/python3 scripts/crosscheck_armnn.py --amsel build/amsel \
      [--data DIR] [--images N] [--models NAME,...] [--backend CpuRef] [--jobs J]
      [--min-top1 PCT] [--min-within PCT] [--verbose]

Exit status: 0 all compared models agree (top-1 agreement >= --min-top1 and
values within +-1 >= --min-within, both 99% by default), 1 some model does
not (or amsel / Arm NN failed on it), 2 usage error, 77 pyarmnn is not
installed (CTest's skip code).

What to expect: Arm NN's CpuRef is not bit-exact with TFLite. It
requantizes in float with one rounding, where TFLite (and amsel) use
gemmlowp's fixed-point MultiplyByQuantizedMultiplier with two roundings, so
~0.1-2% of each layer's values differ by 1 and this grows with depth; the
softmax then turns a 1-LSB logit difference into up to ~10-30 output LSBs
near the top score. Expect >99.5% of values within +-1 but top-1 flips on
near-ties (a few % of images, most with MobileNet v3); see docs/crosscheck.md.

Notes on Arm NN (Debian python3-pyarmnn 20.08, reports version 22.0.0):
- Only CpuRef exists on x86 (CpuAcc is Arm NEON only).
- A process can use only one IRuntime: CpuRef is a dynamic backend, and once
  a runtime is destroyed a new one fails with "CpuRef has no IBackend
  factory registered". Each worker keeps a single runtime for its lifetime.
- CpuRef is single-threaded and slow (~6.5 s per image for the 624 M-MAC
  model, ~25 s per image for all eight), so images are spread over --jobs
  worker processes.
"""

import argparse
import glob
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP1_MIN = 99.0
WITHIN1_MIN = 99.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- Arm NN side
# These run in worker processes (spawned, so each has a fresh pyarmnn state).

_W = {}  # per-worker: runtime, cache of loaded networks


def _import_armnn():
    import contextlib
    import io
    # pyarmnn prints "... does not support Caffe models ..." on import.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import pyarmnn
    return pyarmnn


def _load(model, backend):
    ann = _import_armnn()
    if "rt" not in _W:
        _W["rt"] = ann.IRuntime(ann.CreationOptions())
        _W["nets"] = {}
    rt = _W["rt"]
    if model not in _W["nets"]:
        # Keep at most one network loaded per worker.
        for old in list(_W["nets"].values()):
            rt.UnloadNetwork(old[0])
        _W["nets"].clear()
        parser = ann.ITfLiteParser()
        net = parser.CreateNetworkFromBinaryFile(model)
        ib = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
        ob = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
        opt, _ = ann.Optimize(net, [ann.BackendId(backend)], rt.GetDeviceSpec(),
                              ann.OptimizerOptions())
        nid, _ = rt.LoadNetwork(opt)
        _W["nets"][model] = (nid, ib, ob)
    return ann, rt, _W["nets"][model]


def armnn_backends():
    ann = _import_armnn()
    rt = ann.IRuntime(ann.CreationOptions())  # must outlive the query
    return [b.Get() for b in rt.GetDeviceSpec().GetSupportedBackends()]


def armnn_info(model):
    """Input (H, W, dtype, scale, zero point) and output dtype, from Arm NN's parser."""
    ann = _import_armnn()
    parser = ann.ITfLiteParser()
    parser.CreateNetworkFromBinaryFile(model)
    names = parser.GetSubgraphInputTensorNames(0)
    onames = parser.GetSubgraphOutputTensorNames(0)
    if len(names) != 1 or len(onames) != 1:
        raise RuntimeError("expected 1 input and 1 output, got %d/%d" % (len(names), len(onames)))
    ti = parser.GetNetworkInputBindingInfo(0, names[0])[1]
    to = parser.GetNetworkOutputBindingInfo(0, onames[0])[1]
    shape = [ti.GetShape()[i] for i in range(ti.GetNumDimensions())]
    if len(shape) != 4 or shape[0] != 1 or shape[3] != 3:
        raise RuntimeError("unexpected input shape %s" % shape)
    signed = {ann.DataType_QAsymmU8: False, ann.DataType_QAsymmS8: True}
    if ti.GetDataType() not in signed or to.GetDataType() not in signed:
        raise RuntimeError("input/output not 8-bit asymmetric quantized")
    return dict(h=shape[1], w=shape[2], in_signed=signed[ti.GetDataType()],
                scale=ti.GetQuantizationScale(), zp=ti.GetQuantizationOffset(),
                out_signed=signed[to.GetDataType()], out_n=to.GetNumElements())


def armnn_run(task):
    """Worker: run one model on a chunk of input files; returns outputs and seconds."""
    import numpy as np
    model, backend, files = task
    t0 = time.perf_counter()
    ann, rt, (nid, ib, ob) = _load(model, backend)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    dtype = np.int8 if ib[1].GetDataType() == ann.DataType_QAsymmS8 else np.uint8
    shape = tuple(ib[1].GetShape()[i] for i in range(ib[1].GetNumDimensions()))
    outs = []
    for f in files:
        x = np.fromfile(f, dtype=dtype).reshape(shape)
        it = ann.make_input_tensors([ib], [x])
        ot = ann.make_output_tensors([ob])
        rt.EnqueueWorkload(nid, it, ot)
        outs.append(ann.workload_tensors_to_ndarray(ot)[0].reshape(-1).copy())
    return model, files, outs, t_load, time.perf_counter() - t0


# ---------------------------------------------------------------- main side

def list_models(ap, data, names):
    mdir = os.path.join(data, "models", "imagenet")
    if names:
        out = []
        for n in names.split(","):
            n = n.strip()
            if not n:
                continue
            p = n if os.path.isfile(n) else os.path.join(mdir, n if n.endswith(".tflite") else n + ".tflite")
            if not os.path.isfile(p):
                ap.error("no model %r (looked for %s)" % (n, p))
            out.append(p)
        return out
    order = []
    tsv = os.path.join(mdir, "MODELS.tsv")
    if os.path.isfile(tsv):  # MODELS.tsv order: by cost
        with open(tsv) as fh:
            for line in fh.read().splitlines()[1:]:
                if line.strip():
                    order.append(line.split("\t")[0])
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(mdir, "*.tflite")))
    names = [n for n in order if n in found] + [n for n in found if n not in order]
    return [os.path.join(mdir, n) for n in names]


def prepare_inputs(images, info, outdir, np, cv2):
    """Resize (INTER_AREA) to HxW RGB, normalise (x-127.5)/127.5, quantize."""
    lo, hi, dt = (-128, 127, np.int8) if info["in_signed"] else (0, 255, np.uint8)
    files = []
    for path, rgb in images:
        img = cv2.resize(rgb, (info["w"], info["h"]), interpolation=cv2.INTER_AREA)
        x = (img.astype(np.float32) - 127.5) / 127.5
        q = np.clip(np.round(x / info["scale"]) + info["zp"], lo, hi).astype(dt)
        f = os.path.join(outdir, os.path.basename(path) + ".u8")
        q.tofile(f)
        files.append(f)
    return files


def top1(v):
    """Output index of the top class; argmax returns the lowest index on ties."""
    if v.size == 1001:  # output 0 is "background": never ranked
        return int(v[1:].argmax()) + 1
    return int(v.argmax())


def main():
    ap = argparse.ArgumentParser(description="Cross-check amsel against Arm NN's TFLite parser.")
    ap.add_argument("--amsel", required=True, help="path to the amsel binary")
    ap.add_argument("--data", default=os.environ.get("AMSEL_DATA") or os.path.join(REPO, "..", "shared"),
                    help="data folder (default $AMSEL_DATA, else ../shared beside the repo)")
    ap.add_argument("--images", type=int, default=50, help="first N validation images (default 50)")
    ap.add_argument("--models", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--backend", default="CpuRef", help="Arm NN backend (default CpuRef)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="Arm NN worker processes (default: CPU count)")
    ap.add_argument("--min-top1", type=float, default=TOP1_MIN,
                    help="fail below this top-1 agreement, %% (default %g)" % TOP1_MIN)
    ap.add_argument("--min-within", type=float, default=WITHIN1_MIN,
                    help="fail below this share of values within +-1, %% (default %g)" % WITHIN1_MIN)
    ap.add_argument("--verbose", action="store_true", help="also print each image's largest difference")
    args = ap.parse_args()

    try:
        _import_armnn()
    except ImportError:
        print("pyarmnn not installed: skipping")
        return 77
    import numpy as np
    import cv2

    if not os.access(args.amsel, os.X_OK):
        ap.error("--amsel %s: not an executable" % args.amsel)
    if args.images < 1 or args.jobs < 1:
        ap.error("--images and --jobs must be >= 1")
    imgdir = os.path.join(args.data, "datasets", "ilsvrc2012-val-227", "images")
    paths = sorted(glob.glob(os.path.join(imgdir, "*.JPEG")))[:args.images]
    if not paths:
        ap.error("no images in %s" % imgdir)
    models = list_models(ap, args.data, args.models)
    if not models:
        ap.error("no models in %s/models/imagenet" % args.data)

    ann = _import_armnn()
    # The main process holds no runtime of its own (see the note on IRuntime above):
    # ask a throwaway worker which backends exist.
    with mp.get_context("spawn").Pool(1) as p1:
        backends = p1.apply(armnn_backends)
    if args.backend not in backends:
        ap.error("Arm NN backend %s not available here (have: %s)" % (args.backend, ", ".join(backends)))

    labels = {}  # image file name -> output index of its class (class + 1)
    lf = os.path.join(os.path.dirname(imgdir), "labels.txt")
    if os.path.isfile(lf):
        with open(lf) as fh:
            for line in fh:
                w = line.split()
                if len(w) == 2 and w[1].isdigit():
                    labels[w[0]] = int(w[1]) + 1
    images = []
    for p in paths:
        bgr = cv2.imread(p, cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit("crosscheck: cannot decode %s" % p)
        images.append((p, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))

    t_all = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="amsel-xc-") as tmp:
        ctx = mp.get_context("spawn")
        with ctx.Pool(args.jobs) as pool:
            plan = []
            for m in models:
                name = os.path.basename(m)[:-len(".tflite")]
                try:
                    info = pool.apply(armnn_info, (m,))
                except Exception as e:
                    log("%s: Arm NN cannot parse it: %s" % (name, e))
                    results.append(dict(name=name, error="armnn: %s" % e))
                    continue
                mdir = os.path.join(tmp, name)
                os.makedirs(os.path.join(mdir, "out"))
                files = prepare_inputs(images, info, mdir, np, cv2)
                plan.append((m, name, info, mdir, files))

            # Arm NN runs in the worker pool (asynchronously) while amsel runs here.
            pending = {}
            for m, name, info, mdir, files in plan:
                n = min(args.jobs, len(files))
                chunks = [files[i::n] for i in range(n)]
                pending[m] = [pool.apply_async(armnn_run, ((m, args.backend, c),)) for c in chunks]

            for m, name, info, mdir, files in plan:
                log("%s: amsel run on %d inputs (%dx%d, scale %g, zp %d)" %
                    (name, len(files), info["h"], info["w"], info["scale"], info["zp"]))
                t0 = time.perf_counter()
                proc = subprocess.run([args.amsel, "run", "--model", m, "-o", os.path.join(mdir, "out")] + files,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                t_amsel = time.perf_counter() - t0
                r = dict(name=name, n=len(files), t_amsel=t_amsel)
                if proc.returncode != 0:
                    msg = proc.stdout.strip().splitlines()
                    log("%s: amsel run failed (exit %d): %s" % (name, proc.returncode, msg[-1] if msg else ""))
                    r["error"] = "amsel exit %d: %s" % (proc.returncode, msg[0] if msg else "")
                log("%s: waiting for Arm NN %s" % (name, args.backend))
                arm = {}
                t_arm = t_load = 0.0
                try:
                    for a in pending[m]:
                        _, fs, outs, load_s, run_s = a.get()
                        t_arm += run_s
                        t_load += load_s
                        arm.update(zip(fs, outs))
                except Exception as e:
                    r["error"] = "armnn: %s" % e
                r["t_armnn"] = t_arm
                r["t_load"] = t_load
                if "error" in r:
                    results.append(r)
                    continue
                odt = np.int8 if info["out_signed"] else np.uint8
                agree = within = total = 0
                right_a = right_b = labelled = 0
                maxd = 0
                for f in files:
                    of = os.path.join(mdir, "out", os.path.basename(f) + ".out")
                    a = np.fromfile(of, dtype=odt).astype(np.int32) if os.path.isfile(of) else np.zeros(0, np.int32)
                    b = arm[f].astype(np.int32)
                    if a.shape != b.shape:
                        r["error"] = "%s: amsel gave %d values, Arm NN %d" % (os.path.basename(f), a.size, b.size)
                        break
                    d = np.abs(a - b)
                    total += d.size
                    within += int((d <= 1).sum())
                    maxd = max(maxd, int(d.max()))
                    ta, tb = top1(a), top1(b)
                    want = labels.get(os.path.basename(f)[:-3])
                    if want is not None and a.size == 1001:
                        labelled += 1
                        right_a += ta == want
                        right_b += tb == want
                    if ta == tb:
                        agree += 1
                    else:  # output index: amsel's score / Arm NN's score
                        log("  %s: top-1 differs: amsel %d (%d/%d), Arm NN %d (%d/%d)" %
                            (os.path.basename(f)[:-3], ta, a[ta], b[ta], tb, a[tb], b[tb]))
                    if args.verbose and d.max() > 1:
                        k = int(d.argmax())
                        log("  %s: max |diff| %d at output %d (amsel %d, Arm NN %d)" %
                            (os.path.basename(f)[:-3], d.max(), k, a[k], b[k]))
                if "error" not in r:
                    r.update(top1=100.0 * agree / len(files), within=100.0 * within / total, maxd=maxd,
                             acc="%d/%d" % (right_a, right_b) if labelled == len(files) else "-")
                    log("%s: top-1 agree %.1f%%, within +-1 %.2f%%, max |diff| %d; amsel %.1fs, "
                        "Arm NN %.1fs (+%.1fs loading)" % (name, r["top1"], r["within"], maxd, t_amsel, t_arm, t_load))
                results.append(r)

    wall = time.perf_counter() - t_all
    print("# amsel vs Arm NN %s %s, first %d images of ilsvrc2012-val-227"
          % (ann.GetVersion(), args.backend, len(paths)))
    print("%-47s %6s %10s %15s %12s %11s %7s %7s" % ("model", "images", "top1_agree", "values_within_1",
                                                    "max_abs_diff", "correct_a/b", "amsel_s", "armnn_s"))
    ok = True
    for r in results:
        if "error" in r:
            ok = False
            print("%-47s %6s %s" % (r["name"], r.get("n", "-"), "ERROR " + r["error"]))
            continue
        bad = r["top1"] < args.min_top1 or r["within"] < args.min_within
        ok = ok and not bad
        print("%-47s %6d %9.1f%% %14.2f%% %12d %11s %7.1f %7.1f%s" %
              (r["name"], r["n"], r["top1"], r["within"], r["maxd"], r["acc"], r["t_amsel"], r["t_armnn"],
               "  FAIL" if bad else ""))
    print("# correct_a/b: top-1 right by labels.txt, amsel/Arm NN. amsel_s: wall time of the one")
    print("# `amsel run` process; armnn_s: Arm NN inference time summed over")
    print("# workers (network loading excluded). Total wall time %.1fs with %d Arm NN jobs: %s"
          % (wall, args.jobs, "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
