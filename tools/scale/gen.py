#!/usr/bin/env python3
"""Synthetic inputs for tools/scale/run.sh: no real person, no file from elsewhere.

    gen.py files DIR N          N small HL7 v2 ORU files (about 2.5 KB each)
    gen.py capture FILE N       one MLLP capture of N such messages
    gen.py tiny-frames FILE N   N empty MLLP frames
    gen.py empty-lines FILE N   N lines of {}
    gen.py big-dir DIR BYTES    captures of 25 MB each up to BYTES in all
"""
import os
import sys


def oru(i: int) -> bytes:
    obx = "".join(
        f"OBX|{k}|NM|{1000 + k}^Analyte {k}^L||{(i * 7 + k) % 500 / 10:.1f}|mg/dL^mg/dL^UCUM|1.0-50.0|N|||F|||20240101{(k % 24):02d}3000+0000\r"
        for k in range(1, 25)
    )
    return (
        f"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000+0000||ORU^R01^ORU_R01|MSG{i:08d}|P|2.5.1\r"
        f"PID|1||{100000 + i}^^^HOSP^MR||Testpatient^Synthetic||19800101|F\r"
        f"OBR|1|ORD{i}|FIL{i}|24323-8^Panel^LN|||20240101110000+0000\r"
        f"{obx}"
    ).encode()


def frame(body: bytes) -> bytes:
    return b"\x0b" + body + b"\x1c\r"


def main() -> None:
    kind, target = sys.argv[1], sys.argv[2]
    if kind == "files":
        os.makedirs(target, exist_ok=True)
        for i in range(int(sys.argv[3])):
            sub = os.path.join(target, f"{i // 1000:02d}")
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, f"{i:05d}.hl7"), "wb") as f:
                f.write(oru(i))
    elif kind == "capture":
        with open(target, "wb") as f:
            for i in range(int(sys.argv[3])):
                f.write(frame(oru(i)))
    elif kind == "tiny-frames":
        with open(target, "wb") as f:
            f.write(b"\x0b\x1c\r" * int(sys.argv[3]))
    elif kind == "empty-lines":
        with open(target, "wb") as f:
            f.write(b"{}\n" * int(sys.argv[3]))
    elif kind == "big-dir":
        os.makedirs(target, exist_ok=True)
        total, n, i = int(sys.argv[3]), 0, 0
        one = b"".join(frame(oru(k)) for k in range(10_000))
        while n < total:
            with open(os.path.join(target, f"cap{i:03d}.mllp"), "wb") as f:
                f.write(one)
            n += len(one)
            i += 1
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
