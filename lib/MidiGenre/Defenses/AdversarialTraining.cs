using MidiGenre.Attacks;
using MidiGenre.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Defenses;

/// <summary>
/// Madry-style adversarial training: for every batch, a fraction <c>mix</c> of the segments is replaced by PGD
/// examples generated on the fly against the current weights (model in eval mode while attacking, so batch-norm
/// statistics see only the training pass). mix = 1 is pure PGD training; 0.5 trains on half clean, half adversarial.
/// </summary>
public sealed record AdversarialTraining(double Eps = 0.05, int Steps = 5, double Mix = 0.5, int Seed = 0)
{
    public double Alpha => Pgd.DefaultAlpha(Eps, Steps);

    public DefenseSettings Settings => new("pgd", Eps, Steps, Mix, 0);

    public Tensor Transform(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        int n = (int)Math.Round(Mix * x.shape[0]);
        if (n == 0 || Eps <= 0) return x;
        var attack = new Pgd(Eps, Alpha, Steps, Norm.LInf, randomStart: true, Common.Seeds.Derive(Seed, "pgd"));
        var adv = attack.Perturb(model, x[..n], y[..n]);
        return n == x.shape[0] ? adv : cat([adv, x[n..]], 0);
    }
}
