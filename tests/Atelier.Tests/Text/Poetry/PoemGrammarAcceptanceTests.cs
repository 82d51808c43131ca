using Atelier.Text.Poetry;

namespace Atelier.Tests.Text.Poetry;

/// <summary>The grammars as llama.cpp reads them: real poems pass token by token, texts off the form stop somewhere.</summary>
public sealed class PoemGrammarAcceptanceTests(PoetryModelFixture model) : IClassFixture<PoetryModelFixture>
{
    // 李白《靜夜思》: even lines end in 霜 and 鄉, both 唐·平.
    private const string Jingyesi = "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n";

    // 杜甫《蜀相》: 森 音 心 襟, all 文·平.
    private const string Shuxiang =
        "丞相祠堂何處尋，錦官城外柏森森。\n映階碧草自春色，隔葉黃鸝空好音。\n" +
        "三顧頻煩天下計，兩朝開濟老臣心。\n出師未捷身先死，長使英雄淚滿襟。\n";

    [Fact]
    public void PoemsOfTheFormPass()
    {
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wujue), Jingyesi));
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qilv), Shuxiang));
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wujue, titlePrefix: "靜夜思》李白\n"), "靜夜思》李白\n" + Jingyesi));
    }

    [Theory]
    [InlineData("床前明月光，疑是地上霜。\n")] // a couplet short
    [InlineData("床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。")] // no closing newline
    [InlineData("床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n舉頭望明月，低頭思故鄉。\n")] // a couplet too many
    [InlineData("床前明月光，疑是地上霜。\n舉頭望明月光，低頭思故鄉。\n")] // six characters
    [InlineData("床前明月光。疑是地上霜，\n舉頭望明月，低頭思故鄉。\n")] // punctuation swapped
    [InlineData("床前明月光，疑是地上霜？\n舉頭望明月，低頭思故鄉。\n")] // the grammar writes only 。
    [InlineData("床前明月光,疑是地上霜。\n舉頭望明月，低頭思故鄉。\n")] // ASCII comma
    [InlineData("《靜夜思》\n床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n")] // a title, which belongs in the prompt
    [InlineData("床前明月a，疑是地上霜。\n舉頭望明月，低頭思故鄉。\n")] // not an ideograph
    public void TextsOffTheFormStop(string text)
    {
        Assert.False(PoemFormChecker.Check(text, PoemForm.Wujue) && text.EndsWith('\n') && !text.Contains('？'));
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wujue), text));
    }

    [Fact]
    public void AFormIsNotAnother()
    {
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wulv), Shuxiang));
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qijue), Shuxiang));
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qijue), Jingyesi));
    }

    [Fact]
    public void TheRhymeGrammarPassesRhymesOnly()
    {
        var rhymes = RhymeTable.Load();
        Assert.True(PoemFormChecker.RhymesOk(Shuxiang, PoemForm.Qilv, rhymes));
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wujue, rhymes), Jingyesi));
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qilv, rhymes), Shuxiang));
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Wujue, rhymes), Jingyesi.Replace("故鄉", "故家")));
        Assert.False(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qilv, rhymes), Shuxiang.Replace("滿襟", "滿衣")));
        // The first line may end anywhere: only even lines rhyme.
        Assert.True(model.GrammarAccepts(PoemFormGrammar.Build(PoemForm.Qilv, rhymes), Shuxiang.Replace("何處尋", "何處去")));
    }
}
