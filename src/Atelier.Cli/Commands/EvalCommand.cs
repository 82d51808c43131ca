using System.CommandLine;
using Atelier.Models;
using Atelier.Text;
using Atelier.Text.Poetry;
using Atelier.Text.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier eval poems</c>: the figures of a poetry model's card, measured through the real text path.
/// Form control: share of exact forms with <c>--form</c>. Form prompts: held-out poems of a form, prompted with their
/// title, author and first line, completed without constraints; share that completes the form exactly. Copying: share
/// of generated lines found verbatim in the training text, and the longest span copied.
/// </summary>
public static class EvalCommand
{
    public static Command Build(IServiceProvider services)
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model name or path (default: the embedded model)" };
        var samples = new Option<int>("--samples") { Description = "Samples per form and per measurement", DefaultValueFactory = _ => 100 };
        var poems = new Command("poems", "Measure form control, form prompts and copying of a poetry model") { model, samples };
        poems.SetAction((parse, cancellation) =>
        {
            var generator = services.GetRequiredService<TextGenerator>();
            var (name, path, _) = services.GetRequiredService<ModelCatalog>().Resolve(parse.GetValue(model));
            int n = parse.GetValue(samples);
            if (n < 1) throw new UsageException("--samples must be at least 1");
            var index = CopyIndexes.ForModel(path) ?? throw new UsageException($"{name} has no copy index or training-data description beside it");
            var description = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}.{TrainingData.FileName}");
            var heldOut = TrainingData.Load(File.Exists(description) ? description : Path.Combine(Path.GetDirectoryName(path)!, TrainingData.FileName)).HeldOutDocuments();

            int lines = 0, copied = 0, longest = 0;
            string longestText = "", longestSource = "";
            void Copying(string text)
            {
                var report = index.Find(text);
                lines += report.Lines;
                copied += report.CopiedLines;
                if (report.Longest is { } span && span.Length > longest) (longest, longestText, longestSource) = (span.Length, span.Text, span.DocumentId);
            }

            var constrained = new Dictionary<string, double>();
            var prompted = new Dictionary<string, object>();
            foreach (var form in new[] { PoemForm.Wujue, PoemForm.Qilv })
            {
                var grammar = PoemFormGrammar.Build(form);
                int exact = 0;
                for (uint seed = 1; seed <= n; seed++)
                {
                    var title = heldOut[(int)(seed * 7919 % heldOut.Count)].Text.Split('\n', 2)[0];
                    var result = generator.Generate(new TextRequest(path, title + "\n",
                        new TextGenerationOptions { Seed = seed, Grammar = grammar, MaxTokens = 200, Temperature = 0.8f }), cancellation: cancellation);
                    if (PoemFormChecker.Check(result.Text, form)) exact++;
                    Copying(result.Text);
                }
                constrained[form.Name] = (double)exact / n;

                var examples = heldOut.Select(d => d.Text.Split('\n', 2)).Where(p => p.Length == 2 && PoemFormChecker.Check(p[1].Trim(), form)).Take(n).ToList();
                int completed = 0;
                uint promptSeed = 1;
                foreach (var poem in examples)
                {
                    var body = poem[1].Trim();
                    var firstLine = body[..(body.IndexOf('，') + 1)];
                    var result = generator.Generate(new TextRequest(path, $"{poem[0]}\n{firstLine}",
                        new TextGenerationOptions { Seed = promptSeed++, MaxTokens = 200, Temperature = 0.8f }), cancellation: cancellation);
                    var text = result.Text.Split("《")[0].Trim();
                    if (PoemFormChecker.Check(firstLine + text, form)) completed++;
                    Copying(text);
                }
                prompted[form.Name] = new { prompts = examples.Count, exact_form_share = examples.Count == 0 ? 0 : Math.Round((double)completed / examples.Count, 3) };
            }

            var report = new
            {
                model = name, samples = n,
                with_form_exact_share = constrained,
                form_prompt_without_constraint = prompted,
                copying = new
                {
                    lines, copied_lines = copied, copied_line_share = lines == 0 ? 0 : Math.Round((double)copied / lines, 4),
                    longest_span = new { length = longest, text = longestText, source = longestSource },
                },
            };
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(report);
            else
            {
                Console.WriteLine($"{name}: {n} samples per form");
                foreach (var (form, share) in constrained) Console.WriteLine($"  --form {form}: {share:P0} exact form");
                foreach (var (form, p) in prompted) Console.WriteLine($"  {form} prompts without --form: {p}");
                Console.WriteLine($"  lines copied verbatim from the training text: {copied}/{lines} ({report.copying.copied_line_share:P2}); longest span {longest} characters \"{longestText}\" ({longestSource})");
            }
            return Task.FromResult(0);
        });
        return new Command("eval", "Measure a model the way its card reports it") { poems };
    }
}
