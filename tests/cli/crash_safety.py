#!/usr/bin/env python3
"""kill -9 at random moments of pictor-cli generate, dataset and train; after each kill:

- every visible file is complete (PNGs end with IEND, nothing half-written outside dot-temporaries),
- an export folder holds both model.safetensors and classifier.json, or neither,
- a dataset build run again after the kills finishes, and its images are bit-identical to an
  uninterrupted build's.

usage: crash_safety.py CLI FIXTURES WORK [KILLS]
"""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time

cli, fx, work = sys.argv[1:4]
kills = int(sys.argv[4]) if len(sys.argv) > 4 else 20
random.seed(1234)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def visible_files(root):
    for d, _, names in os.walk(root):
        for n in names:
            if not n.startswith("."):
                yield os.path.join(d, n)


def check_complete(root, what):
    for f in visible_files(root):
        if f.endswith(".png"):
            with open(f, "rb") as fh:
                data = fh.read()
            if not data.startswith(b"\x89PNG") or data[-8:-4] != b"IEND":
                sys.exit(f"{what}: incomplete PNG {f} after a kill")


def killed_run(args, what, lo, hi):
    """Starts the command, kills it with SIGKILL after a random delay; returns True if it was killed."""
    p = subprocess.Popen([cli] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(lo, hi))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True
    p.wait()
    return False


def timed(args):
    """Runs the command to its end; returns its wall time (the kill window is spread over it)."""
    start = time.monotonic()
    r = subprocess.run([cli] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{args[0]} failed without a kill: {r.stderr}")
    return time.monotonic() - start


def digest(root):
    out = {}
    for f in sorted(visible_files(root)):
        if f.endswith(".png"):
            with open(f, "rb") as fh:
                out[os.path.relpath(f, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


sd = os.path.join(fx, "sd-tiny")
gen = ["generate", "--model", sd, "--prompt", "a fox", "--steps", "4", "--images", "3", "--seed", "7",
       "--width", "64", "--height", "64", "--out", os.path.join(work, "gen")]
t = timed(gen)
n = 0
for _ in range(kills):
    n += killed_run(gen, "generate", 0.5 * t, 1.05 * t)
    check_complete(os.path.join(work, "gen"), "generate")
written = sum(1 for f in visible_files(os.path.join(work, "gen")) if f.endswith(".png"))
if written < 4:  # the timed run's 3 and at least one of a killed run
    sys.exit(f"generate: only {written} PNGs: the kills never reached the saving")
print(f"generate: {n} kills, every PNG complete ({written} written)")

data_args = ["dataset", "--model", sd, "--class", "fox=a fox", "--class", "dog=a dog", "--per-class", "6",
             "--steps", "2", "--size", "64", "--seed", "3"]
whole_dir = os.path.join(work, "data-whole")
t = timed(data_args + ["--out", whole_dir])  # the uninterrupted build: the reference images
reference = digest(whole_dir)
data_dir = os.path.join(work, "data")
n = builds = 0
while n < kills:
    # Killed runs until one finishes by itself (the build resumed to its end); then it must equal
    # the uninterrupted build, and a new build starts from nothing.
    if killed_run(data_args + ["--out", data_dir], "dataset", 0.05 * t, 0.6 * t):
        n += 1
        check_complete(data_dir, "dataset")
        continue
    if digest(data_dir) != reference:
        sys.exit(f"dataset: the resumed build differs from an uninterrupted one after {n} kills")
    builds += 1
    shutil.rmtree(data_dir)
resumed = subprocess.run([cli] + data_args + ["--out", data_dir], capture_output=True, text=True)
if resumed.returncode != 0 or digest(data_dir) != reference or len(reference) != 12:
    sys.exit("dataset: the last resumed build failed or differs: " + resumed.stderr)
print(f"dataset: {n} kills, resumed build bit-identical to an uninterrupted one ({len(reference)} images, {builds + 1} builds)")

model = os.path.join(work, "model")
train = ["train", "--data", os.path.join(work, "data"), "--weights", os.path.join(fx, "resnet", "resnet18.pth"),
         "--epochs", "3", "--batch", "4", "--split", "0.5", "--seed", "1", "--out", model]
t = timed(train[:-1] + [os.path.join(work, "model-timing")])
n = 0
for _ in range(kills):
    n += killed_run(train, "train", 0.05 * t, 1.1 * t)
    has_model = os.path.exists(os.path.join(model, "model.safetensors"))
    has_json = os.path.exists(os.path.join(model, "classifier.json"))
    if has_model != has_json:
        sys.exit(f"train: half an export after a kill (weights {has_model}, classifier.json {has_json})")
print(f"train: {n} kills, the export whole or absent every time")
