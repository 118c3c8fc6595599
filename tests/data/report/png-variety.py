#!/usr/bin/python3
# png-variety.py FILE [RRGGBB ...]: prints "WIDTH HEIGHT COLOURS INK" for an
# 8-bit RGB or RGBA PNG: its size, the number of distinct colours, and the
# share (per mille) of pixels that are not the background (the top-left
# pixel's colour); then, for each colour asked, how many pixels have it.
# Python's standard library only: zlib and the PNG filters.
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat = 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(
                ">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit("%s: only 8-bit RGB or RGBA, not interlaced" % path)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    out = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


w, h, bpp, lines = rows(sys.argv[1])
background = lines[0][:3]
wanted = {bytes.fromhex(c): 0 for c in sys.argv[2:]}
colours = set()
ink = 0
for line in lines:
    for x in range(0, w * bpp, bpp):
        px = line[x:x + 3]
        colours.add(px)
        if px != background:
            ink += 1
        if px in wanted:
            wanted[px] += 1
print(w, h, len(colours), ink * 1000 // (w * h),
      *[wanted[bytes.fromhex(c)] for c in sys.argv[2:]])
