#!/usr/bin/env python3
"""Helpers for the LoRA CLI tests (standard library only).

usage: lora_check.py latents SRC NAME DST   write DST.safetensors holding SRC's tensor NAME as `latents`
       lora_check.py pngdiff A.png B.png     print "max level difference N" between two 8-bit PNGs
"""
import json
import struct
import sys
import zlib


def latents(src, name, dst):
    with open(src, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    entry = header[name]
    begin, end = entry["data_offsets"]
    out = {"latents": {"dtype": entry["dtype"], "shape": entry["shape"], "data_offsets": [0, end - begin]}}
    text = json.dumps(out).encode()
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data[begin:end])
    return 0


def read_png(path):
    """Rows of bytes of an 8-bit, non-interlaced grey/RGB/RGBA PNG (what Pictor and the fixtures write)."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(blob):
        length, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        body = blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace != 0:
                raise ValueError(f"{path}: only 8-bit non-interlaced PNGs")
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if filt == 1:
                line[i] = (line[i] + a) & 255
            elif filt == 2:
                line[i] = (line[i] + b) & 255
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def pngdiff(a, b):
    wa, ha, ca, ra = read_png(a)
    wb, hb, cb, rb = read_png(b)
    if (wa, ha, ca) != (wb, hb, cb):
        print(f"shapes differ: {wa}x{ha}x{ca} vs {wb}x{hb}x{cb}")
        return 1
    worst = max(abs(x - y) for la, lb in zip(ra, rb) for x, y in zip(la, lb))
    print(f"max level difference {worst}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "latents":
        sys.exit(latents(*sys.argv[2:]))
    if len(sys.argv) == 4 and sys.argv[1] == "pngdiff":
        sys.exit(pngdiff(*sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
