namespace MidiGenre.Data;

/// <summary>ROOT/&lt;label&gt;/**/*.mid|*.midi, as torchvision's ImageFolder: each file is one piece of class
/// &lt;label&gt;, its piece key the label and its path.</summary>
static class ClassFolderReader
{
    public static List<CatalogEntry> Read(string root)
    {
        var entries = new List<CatalogEntry>();
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(dir);
            foreach (
                var file in Directory
                    .EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                    .Where(f =>
                        f.EndsWith(".mid", StringComparison.OrdinalIgnoreCase)
                        || f.EndsWith(".midi", StringComparison.OrdinalIgnoreCase)
                    )
                    .Order(StringComparer.Ordinal)
            )
            {
                string rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                entries.Add(
                    new CatalogEntry(label, Path.GetFileNameWithoutExtension(file), "", 0, rel, 0)
                    {
                        Label = label,
                        PieceKey = label + "|" + rel,
                    }
                );
            }
        }
        if (entries.Count == 0)
            throw new CatalogFormatException(
                root,
                "holds no catalog CSV and no <label>/*.mid(i) files; expected a MAESTRO folder, "
                    + "a catalog CSV, or one sub-folder of MIDI files per class"
            );
        return entries;
    }
}
