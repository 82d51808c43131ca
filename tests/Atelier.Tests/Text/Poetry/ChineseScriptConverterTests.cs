using Atelier.Text.Poetry;

namespace Atelier.Tests.Text.Poetry;

public sealed class ChineseScriptConverterTests
{
    private static ChineseScriptConverter Converter => ChineseScriptConverter.Load();

    [Theory]
    [InlineData("東", "东")]
    [InlineData("來", "来")]
    [InlineData("國破山河在，城春草木深。", "国破山河在，城春草木深。")]
    [InlineData("舉頭望明月，低頭思故鄉。", "举头望明月，低头思故乡。")]
    [InlineData("乾坤日夜浮", "乾坤日夜浮")] // a phrase keeps 乾, which alone becomes 干
    [InlineData("乾淨", "干净")]
    [InlineData("\uF900", "岂")] // a compatibility ideograph is unified first, then simplified
    [InlineData("abc 123", "abc 123")]
    [InlineData("", "")]
    public void ConvertsTraditionalToSimplified(string traditional, string simplified) =>
        Assert.Equal(simplified, Converter.ToSimplified(traditional));

    [Fact]
    public void SingleCharactersConvertToo()
    {
        Assert.Equal('东', Converter.ToSimplified('東'));
        Assert.Equal('来', Converter.ToSimplified('來'));
        Assert.Equal('花', Converter.ToSimplified('花'));
    }

    [Fact]
    public void TextWithNothingToConvertIsReturnedAsIs()
    {
        const string simplified = "床前明月光，疑是地上霜。";
        Assert.Same(simplified, Converter.ToSimplified(simplified));
    }

    [Fact]
    public void TheTablesAreReadFromTheirText()
    {
        var converter = ChineseScriptConverter.FromTables(
            "export default \"\uF900 豈\";",
            "export default \"乾坤 乾坤|一目瞭然 一目了然\";",
            "export default \"乾 干|豈 岂|瞭 了 瞭\";");
        Assert.Equal("乾坤岂一目了然了", converter.ToSimplified("乾坤\uF900一目瞭然瞭"));
        Assert.Throws<InvalidDataException>(() => ChineseScriptConverter.FromTables("export default \"\";", "x", "y"));
        Assert.Throws<InvalidDataException>(() => ChineseScriptConverter.FromTables("export default \"a\\u0062 c\";", "\"a b\"", "\"a b\""));
    }
}
