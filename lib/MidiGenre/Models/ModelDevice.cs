using TorchSharp;
using static TorchSharp.torch;

namespace MidiGenre.Models;

/// <summary>Where a model's computation happens. Evaluation, attacks, saliency and training take the device from the
/// model they are given, never from a default, so a model on the GPU gets its batches on the GPU.</summary>
public static class ModelDevice
{
    /// <summary>The device of the model's first parameter (the CPU for a model without parameters).</summary>
    /// <remarks>The parameter is the module's own tensor, not a copy: it must not be disposed here.</remarks>
    public static Device Of(nn.Module model) => model.parameters().FirstOrDefault()?.device ?? CPU;

    /// <summary>Moves <paramref name="model"/> to <paramref name="device"/> (its parameters and every buffer its
    /// forward uses); on CUDA it also switches cuDNN's autotuner on unless the run asked to be deterministic.</summary>
    public static T Place<T>(T model, Device device)
        where T : nn.Module
    {
        model.to(device);
        if (device.type == DeviceType.CUDA)
            Native.CudnnFlags.UseAutotunerUnlessDeterministic();
        return model;
    }
}
