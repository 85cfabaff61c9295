#!/usr/bin/env python3
"""`pictor-cli encode` against prompt-weights/ (A1111's reference values), for the CLI tests.

usage: check_encode.py patch SD_TINY FINAL_LAYER_NORM OUT_DIR
           a copy of sd-tiny whose text encoder has the fixture's final LayerNorm (the model the
           prompt-weights values were computed with; see its README)
       check_encode.py run PICTOR_CLI MODEL PROMPT_WEIGHTS CASE CLIP_SKIP OUT_PREFIX
           runs `pictor-cli encode` on CASE's prompt (and negative) with --json and
           --save-tensors OUT_PREFIX.safetensors, then compares the --json output (parsed, chunks:
           tokens and multipliers exactly, token counts) and the tensors (atol 1e-4, rtol 1e-5,
           the fixture's tolerance) with CASE; prints "encode matches CASE" or what differs, exit 1.

Standard library only (no numpy): safetensors is an 8-byte header length, a JSON header, raw data.
"""
import json
import os
import shutil
import struct
import subprocess
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[base + begin:base + end]
        if entry["dtype"] == "F32":
            values = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        elif entry["dtype"] == "I64":
            values = list(struct.unpack(f"<{len(raw) // 8}q", raw))
        else:
            values = raw
        out[name] = (entry["shape"], values, entry, base)
    return out


def patch(sd_tiny, final_layer_norm, out_dir):
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    for root, _, files in os.walk(sd_tiny):
        target = os.path.join(out_dir, os.path.relpath(root, sd_tiny))
        os.makedirs(target, exist_ok=True)
        for name in files:
            shutil.copyfile(os.path.join(root, name), os.path.join(target, name))
    encoder = os.path.join(out_dir, "text_encoder", "model.safetensors")
    model = read_safetensors(encoder)
    replacement = read_safetensors(final_layer_norm)
    with open(encoder, "r+b") as f:
        for name, (shape, raw, entry, _) in replacement.items():
            m_shape, _, m_entry, m_base = model[name]
            if m_shape != shape or m_entry["dtype"] != entry["dtype"]:
                raise SystemExit(f"{name}: {m_entry['dtype']} {m_shape} in the model, {entry['dtype']} {shape} in the patch")
            f.seek(m_base + m_entry["data_offsets"][0])
            f.write(raw)
    print(f"patched {encoder}")


def close(got, want, what, problems, atol=1e-4, rtol=1e-5):
    if got[0] != want[0]:
        problems.append(f"{what}: shape {got[0]}, expected {want[0]}")
        return
    worst = max((abs(a - b) - rtol * abs(b) for a, b in zip(got[1], want[1])), default=0.0)
    if worst > atol:
        problems.append(f"{what}: off by {worst:.3g} (atol {atol})")


def compare_text(got, want, what, problems):
    parsed = [[t, w] for t, w in got["parsed"]]
    if parsed != want["parsed"]:
        problems.append(f"{what}.parsed: {parsed}, expected {want['parsed']}")
    if len(got["chunks"]) != len(want["chunks"]):
        problems.append(f"{what}: {len(got['chunks'])} chunks, expected {len(want['chunks'])}")
    for k, (g, w) in enumerate(zip(got["chunks"], want["chunks"])):
        if g["tokens"] != w["tokens"]:
            problems.append(f"{what}.chunks[{k}].tokens differ")
        if g["multipliers"] != w["multipliers"]:
            problems.append(f"{what}.chunks[{k}].multipliers differ")
    for key in ("token_count", "target_token_count"):
        if got[key] != want[key]:
            problems.append(f"{what}.{key}: {got[key]}, expected {want[key]}")


def repeat_chunks(tensor, chunks):
    shape, values = tensor
    return [shape[0], shape[1] * chunks, shape[2]], values * chunks


def run(cli, model, fixture_dir, case, clip_skip, out_prefix):
    with open(os.path.join(fixture_dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    c = [c for key in ("cases", "negative_cases") for c in expected[key] if c["name"] == case][0]
    command = [cli, "encode", "--model", model, "--prompt", c["prompt"], "--clip-skip", str(clip_skip),
               "--save-tensors", out_prefix + ".safetensors", "--json"]
    if "negative_prompt" in c:
        command += ["--negative", c["negative_prompt"]]
    os.makedirs(os.path.dirname(out_prefix) or ".", exist_ok=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"pictor-cli encode exited {done.returncode}: {done.stderr}")
        return 1
    return check(expected, fixture_dir, case, clip_skip, json.loads(done.stdout), out_prefix + ".safetensors")


def check(expected, fixture_dir, case, clip_skip, got, out_tensors):
    ref = {k: (v[0], v[1]) for k, v in read_safetensors(os.path.join(fixture_dir, "expected.safetensors")).items()}
    mine = {k: (v[0], v[1]) for k, v in read_safetensors(out_tensors).items()}
    s = f"skip{clip_skip}"
    problems = []
    if got["clip_skip"] != int(clip_skip):
        problems.append(f"clip_skip {got['clip_skip']}")
    cases = {c["name"]: c for c in expected["cases"]}
    negatives = {c["name"]: c for c in expected["negative_cases"]}
    empty = ref[f"neg_shorter.{s}.empty_prompt"]
    if case in negatives:
        c = negatives[case]
        compare_text(got["prompt"], c["positive"], "prompt", problems)
        compare_text(got["negative"], c["negative"], "negative", problems)
        close(mine["prompt_embeds"], ref[f"{case}.{s}.pad_cond_uncond.cond"], "prompt_embeds", problems)
        close(mine["negative_prompt_embeds"], ref[f"{case}.{s}.pad_cond_uncond.uncond"], "negative_prompt_embeds", problems)
    else:
        c = cases[case]
        compare_text(got["prompt"], c, "prompt", problems)
        # The empty negative: one chunk of bos + eos, padded with itself to the prompt's chunks.
        compare_text(got["negative"], cases["empty"], "negative", problems)
        close(mine["prompt_embeds"], ref[f"{case}.{s}.cond"], "prompt_embeds", problems)
        close(mine["negative_prompt_embeds"], repeat_chunks(empty, c["num_chunks"]), "negative_prompt_embeds", problems)
    if problems:
        print("\n".join(problems))
        return 1
    print(f"encode matches {case} (clip skip {clip_skip})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "patch":
        patch(*sys.argv[2:5])
        sys.exit(0)
    if len(sys.argv) == 8 and sys.argv[1] == "run":
        sys.exit(run(*sys.argv[2:8]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
