using MidiGenre.Encoding;

namespace MidiGenre.Attacks;

/// <summary>A piano roll kept as its non-zero cells: a realised 20-s segment sounds in a few percent of its 102 400
/// cells, so this holds it in ~10 KB instead of 100 KB, exactly.</summary>
readonly record struct PackedRoll(int Frames, int[] Cells, byte[] Values)
{
    public static PackedRoll Of(PianoRoll roll)
    {
        var cells = new List<int>();
        var values = new List<byte>();
        for (int i = 0; i < roll.Data.Length; i++)
            if (roll.Data[i] != 0)
            {
                cells.Add(i);
                values.Add(roll.Data[i]);
            }
        return new PackedRoll(roll.Frames, [.. cells], [.. values]);
    }

    public PianoRoll ToRoll()
    {
        var roll = new PianoRoll(Frames);
        for (int k = 0; k < Cells.Length; k++)
            roll.Data[Cells[k]] = Values[k];
        return roll;
    }
}
