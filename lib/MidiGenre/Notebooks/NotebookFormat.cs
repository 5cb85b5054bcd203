using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MidiGenre.Notebooks;

/// <summary>
/// Makes an executed notebook valid nbformat 4.5 again: dotnet-repl 0.3.259 drops every cell's <c>id</c> and leaves
/// <c>execution_count</c> null, which Jupyter's schema rejects (nbformat warns it "will become a hard error"). The ids
/// come back from the source notebook, cell by cell; code cells are numbered in order, as a kernel would.
/// </summary>
public static class NotebookFormat
{
    static readonly JsonSerializerOptions Write = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Restores ids and counts in place; false (and the file untouched) when the executed notebook does not
    /// have the source's cells, e.g. a run cut short — the runner then reports the run as it is.</summary>
    public static bool Restore(string sourcePath, string executedPath)
    {
        var source = JsonNode.Parse(File.ReadAllText(sourcePath))!["cells"]!.AsArray();
        JsonObject? executed;
        try
        {
            executed = JsonNode.Parse(File.ReadAllText(executedPath))?.AsObject();
        }
        catch (JsonException)
        {
            return false; // not written completely: the runner reports what it can
        }
        if (executed?["cells"] is not JsonArray cells || cells.Count != source.Count)
            return false;
        int count = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!.AsObject();
            cell["id"] = source[i]!["id"]?.DeepClone() ?? $"cell-{i}";
            if ((string?)cell["cell_type"] != "code")
                continue;
            cell["execution_count"] = ++count;
            foreach (var output in cell["outputs"]?.AsArray() ?? [])
                if ((string?)output!["output_type"] == "execute_result")
                    output["execution_count"] = count;
        }
        executed["nbformat"] = 4;
        executed["nbformat_minor"] = 5;
        Common.AtomicFile.WriteAllText(executedPath, executed.ToJsonString(Write));
        return true;
    }
}
