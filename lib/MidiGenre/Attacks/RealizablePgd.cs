using MidiGenre.Common;
using MidiGenre.Encoding;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Attacks;

/// <summary>
/// PGD that plays by MIDI's rules at every step ("pgd-midi"): what it changes is each existing note's one velocity,
/// by at most ε × 127 velocity units, and every point it evaluates is a valid roll — integer velocities 1…127, one
/// velocity per note, onsets exactly where notes start — so writing it as MIDI changes nothing (the realisation rule
/// of <see cref="Realizer"/> leaves it as it is). The rounding has no useful gradient, so the gradient is passed
/// straight through it (Athalye et al., 2018: BPDA) and summed over each note's frames: the note's velocity is the
/// one free value behind all of them. No note is added, removed, lengthened or shortened; a listener hears, at most,
/// some notes a little louder or softer. The random start draws each note's change uniformly in the budget.
/// </summary>
public sealed class RealizablePgd(double eps, int steps = 10, int seed = 0) : Attack(seed)
{
    public double Eps { get; } = eps;
    public int Steps { get; } = Math.Max(1, steps);
    public override string Name => "pgd-midi";

    protected override IEnumerable<(string Key, string Value)> Settings() => [("steps", $"{Steps}")];

    public override bool HasTargetedMode => true;
    public override double? Budget => Eps;
    public override string BudgetUnit => VelocityUnit;

    /// <summary>The largest velocity change of a note, in MIDI velocity units.</summary>
    public double MaxVelocityChange => Eps * 127;

    protected override Tensor Run(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, RandomStream random)
    {
        using var scope = NewDisposeScope();
        var notes = NoteMap.Of(x);
        var device = x.device;
        var cellNote = tensor(notes.CellNote, device: device); // per frame cell: 1 + the note it belongs to, 0 = silent
        var clean = tensor(notes.Velocity, device: device); // per note (index 0: silence)
        var sounding = clean.gt(0).to_type(ScalarType.Float32);
        var onsets = tensor(notes.Onsets, device: device).reshape(x.shape[0], 1, x.shape[2], x.shape[3]);
        double budget = MaxVelocityChange,
            alpha = 2.5 * budget / Steps;
        Tensor Play(Tensor change)
        {
            var velocity = (clean + change).round().clamp(1, 127) * sounding;
            var frames = velocity.index_select(0, cellNote).reshape(x.shape[0], 1, x.shape[2], x.shape[3]);
            return x.shape[1] == 2 ? cat([onsets, frames], 1) : frames;
        }
        // Each segment's notes draw from its own stream; index 0 (silence) is never changed.
        var draw = cat([zeros(1, device: device), random.UniformRagged(notes.PerSegment, device)], 0);
        var delta = (draw * 2 - 1) * budget * sounding;
        var found = x.clone();
        var hit = zeros(x.shape[0], ScalarType.Bool, device);
        for (int i = 0; i < Steps; i++)
        {
            using var step = NewDisposeScope();
            var played = Play(delta);
            var (grad, logits) = GradientAndLogits(model, played, y, AttackLoss);
            var now = Fooled(logits, y);
            var nextFound = where(now.logical_and(hit.logical_not()).reshape(-1, 1, 1, 1), played, found);
            // Straight through the rounding: a note's gradient is the sum over the frames it sounds in.
            var perNote = zeros_like(clean).index_add(0, cellNote, grad[.., ^1].flatten(), 1);
            var nextDelta = (delta + perNote.sign() * alpha).clamp(-budget, budget) * sounding;
            var nextHit = hit.logical_or(now);
            (found, hit, delta) = (Keep(found, nextFound), Keep(hit, nextHit), Keep(delta, nextDelta));
        }
        using var _ = no_grad();
        var last = Play(delta);
        model.eval();
        var result = where(hit.reshape(-1, 1, 1, 1), found, last);
        return result.detach().MoveToOuterDisposeScope();
    }

    static Tensor Keep(Tensor old, Tensor value)
    {
        old.Dispose();
        return value.MoveToOuterDisposeScope();
    }

    /// <summary>The notes of a batch of clean rolls: which note each frame cell belongs to (0 = silent, n = note n−1
    /// + 1 across the batch), each note's velocity (taken at its first frame; index 0 is silence), the notes per
    /// segment and the onset channel
    /// a MIDI file would give them (an onset at every note's first frame, also where a note continues into the
    /// segment).</summary>
    sealed record NoteMap(long[] CellNote, float[] Velocity, float[] Onsets, int[] PerSegment)
    {
        public static NoteMap Of(Tensor x)
        {
            long b = x.shape[0],
                c = x.shape[1],
                t = x.shape[2],
                p = x.shape[3];
            var data = x.detach().cpu().data<float>().ToArray();
            var cellNote = new long[b * t * p];
            var onsets = new float[b * t * p];
            var velocity = new List<float> { 0 };
            var perSegment = new int[b];
            long per = c * t * p;
            for (long i = 0; i < b; i++)
            for (long pitch = 0; pitch < p; pitch++)
            {
                long note = 0;
                for (long f = 0; f < t; f++)
                {
                    long cell = i * per + (c - 1) * t * p + f * p + pitch;
                    float v = data[cell];
                    bool onset = c == 2 && data[i * per + f * p + pitch] >= 0.5f;
                    bool wasSounding = f > 0 && data[cell - p] > 0;
                    if (v <= 0)
                    {
                        note = 0;
                        continue;
                    }
                    if (note == 0 || onset || !wasSounding)
                    {
                        velocity.Add(Math.Clamp(MathF.Round(v), 1, 127));
                        perSegment[i]++;
                        note = velocity.Count - 1;
                        onsets[i * t * p + f * p + pitch] = 1;
                    }
                    cellNote[i * t * p + f * p + pitch] = note;
                }
            }
            return new NoteMap(cellNote, velocity.ToArray(), onsets, perSegment);
        }
    }
}
