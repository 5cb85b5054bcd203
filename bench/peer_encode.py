#!/usr/bin/python3
"""Peer / reference encoder: a straightforward mido + numpy implementation of MidiGenre's piano-roll spec.

Usage:  peer_encode.py DIR            -> one JSON line with files/s and notes/s (single process)
        peer_encode.py --hash FILE... -> one line per file: sha256 of the (2, T, 128) uint8 roll, T, notes
Spec: N = sum(dticks * tempo) over the merged tempo map; bin = N // (ppq * 50000); events ordered by
(tick, track, index); FIFO note pairing per (channel, pitch); note_on velocity 0 is note_off; open notes close
at the last event; L = max(1, (N_off - N_on) // unit); frame keeps the max velocity.
Needs Debian's python3-mido and python3-numpy (run with /usr/bin/python3)."""
import hashlib, json, os, sys, time
from collections import defaultdict, deque
import mido
import numpy as np


def encode(path):
    mid = mido.MidiFile(path)
    ppq = mid.ticks_per_beat
    events = []
    for ti, track in enumerate(mid.tracks):
        tick = 0
        for i, msg in enumerate(track):
            tick += msg.time
            events.append((tick, ti, i, msg))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    tempo, now, prev = 500000, 0, 0
    open_notes = defaultdict(deque)
    notes = []
    for tick, _, _, msg in events:
        now += (tick - prev) * tempo
        prev = tick
        if msg.type == 'set_tempo':
            if msg.tempo > 0:
                tempo = msg.tempo
        elif msg.type == 'note_on' and msg.velocity > 0:
            open_notes[(msg.channel, msg.note)].append((now, msg.velocity))
        elif msg.type in ('note_on', 'note_off'):
            q = open_notes[(msg.channel, msg.note)]
            if q:
                on, vel = q.popleft()
                notes.append((on, now, msg.note, vel))
    for (ch, pitch), q in open_notes.items():
        for on, vel in q:
            notes.append((on, now, pitch, vel))
    unit = ppq * 50000
    spans = [(on // unit, max(1, (off - on) // unit), p, v) for on, off, p, v in notes]
    frames = max((b + l for b, l, _, _ in spans), default=0)
    roll = np.zeros((2, frames, 128), dtype=np.uint8)
    for b, l, p, v in spans:
        roll[0, b, p] = 1
        seg = roll[1, b:b + l, p]
        np.maximum(seg, v, out=seg)
    return roll, len(notes)


def main():
    if sys.argv[1] == '--hash':
        for f in sys.argv[2:]:
            roll, n = encode(f)
            print(os.path.basename(f), hashlib.sha256(roll.tobytes()).hexdigest(), roll.shape[1], n)
        return
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs if f.lower().endswith(('.mid', '.midi')))
    t = time.perf_counter()
    notes = 0
    for f in files:
        notes += encode(f)[1]
    s = time.perf_counter() - t
    print(json.dumps({"impl": "python-mido-numpy", "files": len(files), "notes": notes, "seconds": round(s, 3),
                      "files_per_s": round(len(files) / s, 1), "notes_per_s": round(notes / s)}))


if __name__ == '__main__':
    main()
