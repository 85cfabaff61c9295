#!/usr/bin/env python3
"""Writes a copy of a .safetensors file without one tensor (for the bad-file CLI tests).

usage: drop_tensor.py IN OUT NAME  (standard library only: the format is a JSON header + data)
"""
import json
import struct
import sys


def main(src, dst, name):
    with open(src, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    if name not in header:
        print(f"drop_tensor.py: {name} not in {src}", file=sys.stderr)
        return 1
    del header[name]
    out, offset = bytearray(), 0
    for key in sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0]):
        begin, end = header[key]["data_offsets"]
        out += data[begin:end]
        header[key]["data_offsets"] = [offset, offset + end - begin]
        offset += end - begin
    text = json.dumps(header).encode()
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
