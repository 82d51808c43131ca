using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace Atelier.Text.Training;

/// <summary>
/// Makes TorchSharp's native wrapper loadable on systems whose libstdc++ is older than the one it was built against.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> references a single GCC 13 symbol,
/// <c>std::ios_base_library_init()</c> (version <c>GLIBCXX_3.4.32</c>), which Debian 12's libstdc++ lacks, so the
/// loader refuses the whole file. Where that is the case this builds, once per wrapper build, a tiny shim library that
/// defines the symbol and a patched copy of the wrapper that binds it unversioned and marks the version requirement
/// weak, then loads that copy before the first torch call. Everywhere else it does nothing.
/// </remarks>
public static class TorchSharpRuntime
{
    private const string WrapperFile = "libLibTorchSharp.so";
    private const string WrapperImportName = "LibTorchSharp";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string MissingSymbol = "_ZSt21ios_base_library_initv";
    private const string ShimFile = "libatelier-glibcxx-shim.so";

    // Loaded by absolute path ahead of the patched wrapper so that its DT_NEEDED entries resolve by soname:
    // the copy lives in a cache folder, away from libtorch.
    private static readonly string[] TorchDependencies = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    private static readonly Lock Gate = new();
    private static bool _ready;

    /// <summary>Where the patched wrapper was loaded from, or null when no compatibility step was needed.</summary>
    public static string? PatchedWrapperPath { get; private set; }

    /// <summary>
    /// Call before the first use of <c>torch</c>; cheap and idempotent. This library's entry points
    /// (<see cref="LlamaModel"/>, <see cref="TextTrainer"/>, <see cref="SafetensorsFile"/>) call it themselves.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_ready) return;
            if (NeedsCompatibilityStep(out var wrapper, out var torchDir))
                LoadPatchedWrapper(wrapper, torchDir);
            _ready = true;
        }
    }

    private static bool NeedsCompatibilityStep(out string wrapper, out string torchDir)
    {
        wrapper = torchDir = "";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;

        var libstdcxx = FindLoadedLibStdCxx();
        if (libstdcxx is null || FileContains(libstdcxx, MissingVersion)) return false;

        var found = FindInNativeSearchPath(WrapperFile);
        if (found is null || !FileContains(found, MissingVersion)) return false;
        wrapper = found;
        torchDir = Path.GetDirectoryName(FindInNativeSearchPath("libtorch_cpu.so") ?? found)!;
        return true;
    }

    private static void LoadPatchedWrapper(string wrapper, string torchDir)
    {
        var patched = Path.Combine(EnsurePatchedCopy(wrapper), WrapperFile);
        foreach (var dependency in TorchDependencies)
        {
            var path = Path.Combine(torchDir, dependency);
            if (File.Exists(path)) NativeLibrary.Load(path);
        }

        var handle = NativeLibrary.Load(patched);
        PatchedWrapperPath = patched;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                (name, _, _) => name == WrapperImportName ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Another resolver is registered; the loaded copy still satisfies "libLibTorchSharp.so" by soname.
        }
    }

    /// <summary>Returns the cache folder holding the shim and the patched wrapper, building them if needed.</summary>
    private static string EnsurePatchedCopy(string wrapper)
    {
        var dir = Path.Combine(CacheRoot(), CacheKey(wrapper));
        if (File.Exists(Path.Combine(dir, WrapperFile)) && File.Exists(Path.Combine(dir, ShimFile))) return dir;

        RequireTool("g++", "g++");
        RequireTool("patchelf", "patchelf");

        // Built aside and renamed into place, so concurrent processes never see a half-written copy.
        var staging = $"{dir}.staging-{Environment.ProcessId}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            var source = Path.Combine(staging, "shim.cpp");
            File.WriteAllText(source, $$"""
                #include <ios>
                // GCC 13 emits calls to this for <iostream> initialisation; older libstdc++ does the same work in
                // std::ios_base::Init, so constructing one is an exact stand-in.
                extern "C" __attribute__((visibility("default"))) void {{MissingSymbol}}() {
                    static std::ios_base::Init init;
                }
                """);
            Run("g++", ["-shared", "-fPIC", "-O2", "-o", Path.Combine(staging, ShimFile), source]);

            var copy = Path.Combine(staging, WrapperFile);
            File.Copy(wrapper, copy);
            Run("patchelf", ["--clear-symbol-version", MissingSymbol, copy]);
            Run("patchelf", ["--add-needed", ShimFile, copy]);
            Run("patchelf", ["--set-rpath", "$ORIGIN", copy]);
            ElfVersionNeeds.MarkWeak(copy, MissingVersion);

            Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
            try
            {
                Directory.Move(staging, dir);
            }
            catch (IOException) when (File.Exists(Path.Combine(dir, WrapperFile)))
            {
                // Another process finished first; its copy is identical.
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return dir;
    }

    private static string CacheRoot() => Path.Combine(AtelierPaths.Cache, "torchsharp-compat");

    private static string CacheKey(string wrapper)
    {
        var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0] ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        using var stream = File.OpenRead(wrapper);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
        return $"torchsharp-{version}-{hash}";
    }

    private static string? FindLoadedLibStdCxx()
    {
        // The runtime itself links libstdc++, so the copy the loader picked is already mapped into this process.
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/');
                if (slash >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException)
        {
        }
        string[] usual = ["/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"];
        return usual.FirstOrDefault(File.Exists);
    }

    private static string? FindInNativeSearchPath(string fileName)
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var assemblyDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        foreach (var baseDir in new[] { assemblyDir, AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            dirs.Add(baseDir);
            dirs.Add(Path.Combine(baseDir, "runtimes", "linux-x64", "native"));
            dirs.Add(Path.Combine(baseDir, "cpu"));
        }
        return dirs.Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);
    }

    private static bool FileContains(string path, string text)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text + "\0")) >= 0;
    }

    private static void RequireTool(string tool, string aptPackage)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (path.Split(':').Any(d => File.Exists(Path.Combine(d, tool)))) return;
        throw new InvalidOperationException(
            $"TorchSharp needs a one-time compatibility build on this system (libstdc++ lacks {MissingVersion}), " +
            $"which requires '{tool}': install it with `apt-get install -y {aptPackage}`.");
    }

    private static void Run(string tool, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"TorchSharp compatibility step failed: {tool} exited with {process.ExitCode}: {stderr.Result.Trim()}");
    }
}
