using System.Diagnostics;
using System.Text.Json;

namespace Atelier.Tests.Cli;

/// <summary><c>atelier train text</c> and <c>atelier export gguf</c> as a user runs them: real TorchSharp, real llama.cpp.</summary>
public sealed class TrainTextCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-train-").FullName;

    private string Corpus()
    {
        var folder = Path.Combine(_root, "corpus");
        Directory.CreateDirectory(folder);
        var random = new Random(1);
        string[] words = ["the", "river", "moon", "bright", "over", "quiet", "hills", "and", "a", "bird", "sings"];
        for (int f = 0; f < 40; f++)
            File.WriteAllText(Path.Combine(folder, $"doc{f}.txt"),
                string.Join("\n", Enumerable.Range(0, 6).Select(_ => string.Join(' ', Enumerable.Range(0, 6).Select(_ => words[random.Next(words.Length)])))));
        return folder;
    }

    private static readonly string[] Tiny = ["--preset", "tiny", "--batch", "8", "--threads", "1", "--eval-every", "0", "--warmup", "5"];

    [Fact]
    public void Trains_exports_and_generates_through_llama_cpp()
    {
        var output = Path.Combine(_root, "model");
        var train = CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", output, "--steps", "60", "--lr", "3e-3", "--json", .. Tiny]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var summary = JsonDocument.Parse(train.Stdout).RootElement;
        Assert.Equal(60, summary.GetProperty("step").GetInt32());
        Assert.True(summary.GetProperty("completed").GetBoolean());
        foreach (var file in new[] { "config.json", "model.safetensors", "optimizer.safetensors", "tokenizer.json", "metrics.jsonl", "loss.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        var losses = File.ReadLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToList();
        Assert.True(losses.TakeLast(10).Average() < losses.Take(5).Average() - 1, $"loss did not drop: {losses[0]} → {losses[^1]}");

        var gguf = Path.Combine(_root, "model.gguf");
        Assert.Equal(0, CliRunner.Run(_root, "export", "gguf", output, gguf, "--type", "f16").ExitCode);
        Assert.True(File.Exists(Path.Combine(_root, "model.copy-index.bin")));
        var generated = CliRunner.Run(_root, "generate", "text", "the river", "--model", gguf, "-n", "20", "--seed", "1", "--json");
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        var result = JsonDocument.Parse(generated.Stdout).RootElement;
        Assert.Equal(20, result.GetProperty("generated_tokens").GetInt32());
        Assert.True(result.GetProperty("copying").GetProperty("lines").GetInt32() >= 1);
    }

    [Fact]
    public void Ctrl_c_writes_a_checkpoint_that_resumes()
    {
        var output = Path.Combine(_root, "interrupted");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["ATELIER_HOME"] = _root } };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "atelier.dll"), "train", "text", "--data", Corpus(), "--out", output, "--steps", "100000", .. Tiny])
            start.ArgumentList.Add(a);
        using var process = new Process { StartInfo = start };
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        // The first progress line appears once training runs; wait for a few steps beyond it.
        while (!log.Any(l => l.StartsWith("step ")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Thread.Sleep(1000);
        Process.Start("kill", ["-INT", process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "training did not stop on Ctrl-C");
        process.WaitForExit();
        Assert.True(process.ExitCode == 130 && File.Exists(Path.Combine(output, "config.json")), $"exit {process.ExitCode}: {string.Join('|', log)}");

        var step = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json"))).RootElement.GetProperty("training").GetProperty("step").GetInt32();
        Assert.True(step >= 1, string.Join('|', log));
        var resumed = CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", output, "--steps", (step + 2).ToString(), "--resume", "--json", .. Tiny]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(step + 2, JsonDocument.Parse(resumed.Stdout).RootElement.GetProperty("step").GetInt32());
    }

    private void AssertUsageError(CliRunner.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ") && lines[0].Contains(expected), r.Stderr);
    }

    [Fact]
    public void Missing_and_empty_data_folders()
    {
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", Path.Combine(_root, "nowhere"), "--out", Path.Combine(_root, "a"), .. Tiny]), "no such folder or file");
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", empty, "--out", Path.Combine(_root, "b"), .. Tiny]), "contains no .txt or .md files");
        Assert.False(Directory.Exists(Path.Combine(_root, "a")));
        Assert.False(Directory.Exists(Path.Combine(_root, "b")));
    }

    [Fact]
    public void Jsonl_line_without_text()
    {
        var jsonl = Path.Combine(_root, "data.jsonl");
        File.WriteAllLines(jsonl, ["{\"text\": \"one line of text\"}", "{\"text\": \"another line\"}", "{\"title\": \"no text here\"}"]);
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", jsonl, "--out", Path.Combine(_root, "c"), .. Tiny]), "data.jsonl:3");
        Assert.False(Directory.Exists(Path.Combine(_root, "c")));
    }

    [Fact]
    public void Vocabulary_larger_than_the_data_supports() =>
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", Path.Combine(_root, "d"), "--vocab", "5000", .. Tiny]),
            "larger than the data supports");

    [Fact]
    public void Resume_with_a_different_configuration()
    {
        var output = Path.Combine(_root, "e");
        Assert.Equal(0, CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", output, "--steps", "2", .. Tiny]).ExitCode);
        var before = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", output, "--steps", "4", "--resume", "--dim", "128", .. Tiny]),
            "different configuration");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void Unwritable_output_folder()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");
        AssertUsageError(CliRunner.Run(_root, ["train", "text", "--data", Corpus(), "--out", Path.Combine(file, "model"), .. Tiny]), "cannot write to the output folder");
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
