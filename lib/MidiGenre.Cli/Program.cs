using TorchSharp;
MidiGenre.Native.TorchNative.Ensure();
System.Console.WriteLine(MidiGenre.Native.TorchNative.Report);
var x = torch.randn(2, 3);
var conv = torch.nn.Conv2d(2, 4, 3);
var y = conv.forward(torch.randn(1, 2, 8, 8)).sum(); y.backward();
System.Console.WriteLine(x.sum().item<float>() + " " + y.item<float>());
