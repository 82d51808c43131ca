using static TorchSharp.torch;

namespace Atelier.Text.Training.Tests;

public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void Torch_loads_and_multiplies_matrices()
    {
        TorchSharpRuntime.EnsureLoaded();

        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = a.matmul(b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Uses_a_patched_wrapper_exactly_when_the_system_libstdcxx_is_too_old()
    {
        TorchSharpRuntime.EnsureLoaded();
        TorchSharpRuntime.EnsureLoaded();

        var libstdcxx = "/lib/x86_64-linux-gnu/libstdc++.so.6";
        if (!OperatingSystem.IsLinux() || !File.Exists(libstdcxx)) return;
        var tooOld = !File.ReadAllText(libstdcxx, System.Text.Encoding.Latin1).Contains("GLIBCXX_3.4.32\0");
        Assert.Equal(tooOld, TorchSharpRuntime.PatchedWrapperPath is not null);
        if (tooOld)
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(TorchSharpRuntime.PatchedWrapperPath)!,
                "libatelier-glibcxx-shim.so")));
    }

    [Fact]
    public void Marks_the_version_requirement_weak_in_a_copy_of_the_wrapper()
    {
        var original = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(original)) return;
        using var dir = new TempDirectory();
        var copy = Path.Combine(dir.Path, "wrapper.so");
        File.Copy(original, copy);

        Assert.Equal(1, ElfVersionNeeds.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(copy, "GLIBCXX_9.9.99"));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(dir.File("not-elf.so", "hello"), "X"));
    }
}
