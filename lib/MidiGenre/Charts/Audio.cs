using System.Globalization;
using System.Text;
using MidiGenre.Encoding;

namespace MidiGenre.Charts;

/// <summary>A play control for a notebook output: buttons that play rolls in the browser (plain Web Audio,
/// offline).</summary>
public sealed record Player(string Title, string Html)
{
    public override string ToString() => $"Player: {Title}";
}

/// <summary>
/// Hear a roll: its notes (onset, length, pitch, velocity, as the decoder writes them to MIDI) are written into the
/// output and synthesised in the browser with Web Audio — a triangle oscillator per note with a short attack and a
/// decay, loudness from the velocity. No library, no network; the MIDI files are still saved beside for a real
/// synthesiser.
/// </summary>
public static class Audio
{
    /// <summary>One button per roll: e.g. original and adversarial, one click each.</summary>
    public static Player Of(string title, params (string Label, PianoRoll Roll)[] rolls)
    {
        string id = "midigenre-audio-" + Guid.NewGuid().ToString("N")[..12];
        var sb = new StringBuilder();
        sb.Append($"<div id=\"{id}\" style=\"margin:8px 0\"><b>{System.Net.WebUtility.HtmlEncode(title)}</b> ");
        for (int i = 0; i < rolls.Length; i++)
            sb.Append(
                $"<button data-i=\"{i}\" style=\"margin:0 6px;padding:4px 12px\">▶ "
                    + $"{System.Net.WebUtility.HtmlEncode(rolls[i].Label)}</button>"
            );
        sb.Append("<button data-stop=\"1\" style=\"margin:0 6px;padding:4px 12px\">■ stop</button></div>");
        sb.Append("<script>(function(){var sets=[")
            .Append(string.Join(',', rolls.Select(r => Notes(r.Roll))))
            .Append("];")
            .Append("var ctx=null,out=null;var root=document.getElementById('")
            .Append(id)
            .Append("');")
            .Append(Script)
            .Append("})();</script>");
        return new Player(title, sb.ToString());
    }

    public static Player Pair(PianoRoll original, PianoRoll adversarial, string title) =>
        Of(title, ("original", original), ("adversarial", adversarial));

    /// <summary>[[start s, length s, pitch, velocity], …]: the roll's notes as <see cref="PianoRollDecoder"/> writes
    /// them to MIDI (overlapping layers included), in time order.</summary>
    static string Notes(PianoRoll roll)
    {
        var inv = CultureInfo.InvariantCulture;
        double Seconds(long ticks) => ticks * PianoRoll.BinSeconds / PianoRollDecoder.TicksPerBin;
        return "["
            + string.Join(
                ',',
                PianoRollDecoder
                    .Decode(roll)
                    .OrderBy(n => n.OnTick)
                    .ThenBy(n => n.Pitch)
                    .Select(n =>
                        $"[{Seconds(n.OnTick).ToString("0.##", inv)},"
                        + $"{Seconds(n.OffTick - n.OnTick).ToString("0.##", inv)},{n.Pitch},{n.Velocity}]"
                    )
            )
            + "]";
    }

    const string Script =
        "function stop(){if(out){try{out.disconnect();}catch(e){}out=null;}}"
        + "function play(i){var AC=window.AudioContext||window.webkitAudioContext;if(!AC){root.append(' (no Web Audio "
        + "in this browser)');return;}"
        + "ctx=ctx||new AC();stop();out=ctx.createGain();out.gain.value=0.25;out.connect(ctx.destination);var "
        + "now=ctx.currentTime+0.05;"
        + "sets[i].forEach(function(n){var o=ctx.createOscillator(),g=ctx.createGain(),a=now+n[0],e=a+Math.max(0.05,"
        + "n[1]),peak=0.05+0.45*n[3]/127;"
        + "o.type='triangle';o.frequency.value=440*Math.pow(2,(n[2]-69)/12);g.gain.setValueAtTime(0,a);"
        + "g.gain.linearRampToValueAtTime(peak,a+0.01);"
        + "g.gain.exponentialRampToValueAtTime(0.001,e+0.2);o.connect(g);g.connect(out);o.start(a);o.stop(e+0.25);});}"
        + "root.querySelectorAll('button').forEach(function(b){b.addEventListener('click',function(){"
        + "if(b.dataset.stop){stop();}else{play(+b.dataset.i);}});});";
}
