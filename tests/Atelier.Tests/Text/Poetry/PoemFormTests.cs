using Atelier.Text.Grammars;
using Atelier.Text.Poetry;

namespace Atelier.Tests.Text.Poetry;

public sealed class PoemFormTests
{
    private const string Jingyesi = "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n";

    private const string Dengloutai =
        "風急天高猿嘯哀，渚清沙白鳥飛迴。\n無邊落木蕭蕭下，不盡長江滾滾來。\n" +
        "萬里悲秋常作客，百年多病獨登臺。\n艱難苦恨繁霜鬢，潦倒新停濁酒杯。\n";

    [Theory]
    [InlineData("wujue", 4, 5)]
    [InlineData("QIJUE", 4, 7)]
    [InlineData("五律", 8, 5)]
    [InlineData("七言律诗", 8, 7)]
    public void FormsParseFromTheirNames(string name, int lines, int characters)
    {
        var form = PoemForm.Parse(name);
        Assert.Equal((lines, characters), (form.Lines, form.CharactersPerLine));
    }

    [Fact]
    public void AnUnknownFormNamesTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => PoemForm.Parse("sonnet"));
        Assert.Contains("'sonnet'", error.Message);
        Assert.Contains("wujue, qijue, wulv, qilv", error.Message);
    }

    [Fact]
    public void TheCheckerAcceptsPoemsOfTheForm()
    {
        Assert.True(PoemFormChecker.Check(Jingyesi, PoemForm.Wujue));
        Assert.True(PoemFormChecker.Check(Jingyesi.TrimEnd('\n'), PoemForm.Wujue));
        Assert.True(PoemFormChecker.Check(Dengloutai, PoemForm.Qilv));
        Assert.True(PoemFormChecker.Check("誰知盤中餐，粒粒皆辛苦？\n" + Jingyesi[13..], PoemForm.Wujue));
        Assert.False(PoemFormChecker.Check(Jingyesi, PoemForm.Qijue));
        Assert.False(PoemFormChecker.Check(Dengloutai, PoemForm.Wulv));
    }

    [Theory]
    [InlineData("床前明月光，疑是地上霜。\n")] // one couplet short
    [InlineData("床前明月光，疑是地上。\n舉頭望明月，低頭思故鄉。\n")] // a line short
    [InlineData("床前明月光。疑是地上霜，\n舉頭望明月，低頭思故鄉。\n")] // punctuation swapped
    [InlineData("床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。\n")] // two couplets on one line
    [InlineData("《靜夜思》李白\n床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n")] // the header
    [InlineData("床前明月光,疑是地上霜.\n舉頭望明月,低頭思故鄉.\n")] // ASCII punctuation
    [InlineData("床前明月a，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n")] // not an ideograph
    [InlineData("床前明月光，疑是地上霜。\n\n舉頭望明月，低頭思故鄉。\n")] // a blank line
    public void TheCheckerRejectsTextsOffTheForm(string text) => Assert.False(PoemFormChecker.Check(text, PoemForm.Wujue));

    [Fact]
    public void TheCheckerFindsTheFormInRealPoems()
    {
        var counts = PoemForm.All.ToDictionary(f => f, f => ChinesePoetrySample.TangPoems.Count(p => PoemFormChecker.Check(p.Body, f)));
        foreach (var form in PoemForm.All) Assert.True(counts[form] > 20, $"{form}: only {counts[form]} of 2,000 Tang poems");
    }

    [Fact]
    public void GrammarsAreValidGbnf()
    {
        var rhymes = RhymeTable.Load();
        foreach (var form in PoemForm.All)
        {
            GbnfGrammar.Parse(PoemFormGrammar.Build(form));
            GbnfGrammar.Parse(PoemFormGrammar.Build(form, rhymes));
            GbnfGrammar.Parse(PoemFormGrammar.Build(form, rhymes, titlePrefix: "春望》\"杜甫\"\\\n"));
        }
    }

    [Fact]
    public void ThePlainGrammarSpellsOutTheForm()
    {
        var grammar = PoemFormGrammar.Build(PoemForm.Qilv);
        Assert.Contains("root ::= couplet{4}", grammar);
        Assert.Contains("couplet ::= hanzi{7} \"，\" hanzi{7} \"。\\n\"", grammar);
        Assert.Contains($"hanzi ::= {PoemFormGrammar.IdeographClass}", grammar);
    }

    [Fact]
    public void TheRhymeGrammarOffersEachGroupAtTheRhymePositions()
    {
        var table = RhymeTable.Load().Restrict("花家沙涯霞光霜鄉長江陽");
        var grammar = PoemFormGrammar.Build(PoemForm.Wujue, table);
        Assert.Contains("root ::= head (rhyme-1-tail | rhyme-2-tail)", grammar);
        Assert.Contains("rhyme-1-tail ::= rhyme-1 \"。\\n\" (head rhyme-1 \"。\\n\"){1}", grammar);
        Assert.Contains("head ::= hanzi{5} \"，\" hanzi{4}", grammar);
        Assert.Contains("rhyme-1 ::= [光江鄉長陽霜]", grammar);
        Assert.Contains("rhyme-2 ::= [家沙涯花霞]", grammar);
    }

    [Fact]
    public void GroupsTooSmallForTheFormAreLeftOut()
    {
        var table = RhymeTable.Load().Restrict("花光霜鄉");
        Assert.DoesNotContain("rhyme-2", PoemFormGrammar.Build(PoemForm.Wujue, table));
        Assert.Throws<ArgumentException>(() => PoemFormGrammar.Build(PoemForm.Qilv, table));
    }

    [Fact]
    public void ThePromptIsTheTrainingHeader() =>
        Assert.Equal("《春望》杜甫\n", PoemFormGrammar.Prompt(" 春望 ", "杜甫"));
}
