#!/usr/bin/env python3
"""A small folder-per-class corpus of four piano dance forms, written with nothing but the standard library.

    python3 scripts/make_dance_corpus.py OUT [--pieces 24] [--seconds 30] [--seed 7]

writes OUT/<form>/<form>-NN.mid for waltz, march, chorale and nocturne: standard MIDI files (format 0, one piano
track) with a random key, tempo, register and dynamics per piece. It exists to test MidiGenre on labelled MIDI that
its own synthetic generator did not make (`midigenre pipeline --corpus OUT`); the forms differ in metre, texture and
rhythm, as genres do, so it is an easy corpus — an attack's success on it says more than its clean accuracy.
"""
import argparse
import os
import random
import struct

TICKS = 480  # per quarter note


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def smf(notes, tempo_us):
    """notes: (start_tick, length_ticks, pitch, velocity) → bytes of a format-0 MIDI file."""
    events = []
    for start, length, pitch, vel in notes:
        events.append((start, 1, bytes([0x90, pitch, vel])))
        events.append((start + max(1, length), 0, bytes([0x80, pitch, 0])))
    events.sort(key=lambda e: (e[0], e[1]))  # note-offs before note-ons at the same tick
    track = bytearray(b"\x00\xff\x51\x03" + tempo_us.to_bytes(3, "big"))
    now = 0
    for tick, _, data in events:
        track += vlq(tick - now) + data
        now = tick
    track += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS) + b"MTrk" + struct.pack(">I", len(track)) + track


MAJOR = [0, 2, 4, 5, 7, 9, 11]
PROGRESSION = [0, 3, 4, 0, 5, 3, 4, 0]  # I IV V I vi IV V I, as scale degrees


def chord(root_pc, degree):
    return [root_pc + MAJOR[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]


def human(rng, base, spread=8):
    return max(20, min(120, int(rng.gauss(base, spread))))


def waltz(rng, key, bars):
    notes, q = [], TICKS
    for bar in range(bars):
        c = chord(key, PROGRESSION[bar % 8])
        t0 = bar * 3 * q
        notes.append((t0, q, 36 + c[0] % 12, human(rng, 70)))  # oom
        for beat in (1, 2):  # pah pah
            for p in c:
                notes.append((t0 + beat * q, q // 2, 60 + p % 12, human(rng, 55)))
        melody = 72 + c[rng.randrange(3)] % 12
        notes.append((t0, 2 * q, melody, human(rng, 80)))
        notes.append((t0 + 2 * q, q, melody + rng.choice([-2, -1, 2]), human(rng, 75)))
    return notes


def march(rng, key, bars):
    notes, q = [], TICKS
    for bar in range(bars):
        c = chord(key, PROGRESSION[bar % 8])
        t0 = bar * 2 * q
        notes.append((t0, q // 2, 36 + c[0] % 12, human(rng, 85)))
        notes.append((t0 + q, q // 2, 43 + c[2] % 12 - 12, human(rng, 80)))
        # dotted-eighth + sixteenth figures in the melody
        top = 72 + c[0] % 12
        for beat in range(2):
            notes.append((t0 + beat * q, 3 * q // 4, top, human(rng, 90)))
            notes.append((t0 + beat * q + 3 * q // 4, q // 4, top + rng.choice([2, 4, -1]), human(rng, 85)))
    return notes


def chorale(rng, key, bars):
    notes, q = [], TICKS
    for bar in range(bars):
        for half in range(2):
            c = chord(key, PROGRESSION[(2 * bar + half) % 8])
            t0 = bar * 4 * q + half * 2 * q
            voices = [48 + c[0] % 12, 55 + c[2] % 12, 60 + c[1] % 12, 67 + c[0] % 12]
            for v in voices:
                notes.append((t0, 2 * q - 20, v, human(rng, 60, 5)))
    return notes


def nocturne(rng, key, bars):
    notes, q = [], TICKS
    for bar in range(bars):
        c = chord(key, PROGRESSION[bar % 8])
        t0 = bar * 4 * q
        arpeggio = [36 + c[0] % 12, 43 + c[2] % 12, 48 + c[1] % 12, 52 + c[2] % 12]
        for k in range(8):  # eighth-note broken chords, held
            notes.append((t0 + k * q // 2, q, arpeggio[[0, 1, 2, 3, 2, 1, 2, 1][k]], human(rng, 45)))
        t = t0
        while t < t0 + 4 * q:  # a free, legato melody
            length = rng.choice([q, q, 3 * q // 2, 2 * q, q // 2])
            notes.append((t, length, 74 + rng.choice(c) % 12 + rng.choice([0, 2, -1]), human(rng, 70, 12)))
            t += length
    return notes


FORMS = {"waltz": (waltz, 3), "march": (march, 2), "chorale": (chorale, 4), "nocturne": (nocturne, 4)}
TEMPO = {"waltz": (150, 180), "march": (100, 120), "chorale": (60, 76), "nocturne": (56, 72)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--pieces", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for form, (make, beats) in FORMS.items():
        os.makedirs(os.path.join(args.out, form), exist_ok=True)
        for i in range(args.pieces):
            bpm = rng.uniform(*TEMPO[form])
            bars = max(4, int(args.seconds * bpm / 60 / beats))
            notes = make(rng, rng.randrange(12), bars)
            with open(os.path.join(args.out, form, f"{form}-{i:02d}.mid"), "wb") as f:
                f.write(smf(notes, int(60_000_000 / bpm)))
    print(f"{4 * args.pieces} files in {args.out}")


if __name__ == "__main__":
    main()
