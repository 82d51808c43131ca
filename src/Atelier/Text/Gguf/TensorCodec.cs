using System.Buffers.Binary;

namespace Atelier.Text.Gguf;

/// <summary>Encodes float tensors into ggml's storage types and back (F32, F16, Q8_0).</summary>
public static class TensorCodec
{
    private const int Q8Block = 32;

    public static byte[] Encode(ReadOnlySpan<float> values, GgmlType type, int rowLength) => type switch
    {
        GgmlType.F32 => EncodeF32(values),
        GgmlType.F16 => EncodeF16(values),
        GgmlType.Q8_0 when rowLength % Q8Block == 0 => EncodeQ8_0(values),
        GgmlType.Q8_0 => throw new ArgumentException($"Q8_0 needs rows that are a multiple of {Q8Block} values, not {rowLength}"),
        _ => throw new ArgumentException($"writing {type} tensors is not supported (use F32, F16 or Q8_0)"),
    };

    public static float[] Decode(ReadOnlySpan<byte> data, GgmlType type, long count)
    {
        var result = new float[count];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < count; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
                break;
            case GgmlType.Q8_0:
                for (int b = 0; b < count / Q8Block; b++)
                {
                    var block = data.Slice(b * 34, 34);
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
                    for (int j = 0; j < Q8Block; j++) result[b * Q8Block + j] = (sbyte)block[2 + j] * d;
                }
                break;
            default:
                throw new GgufFormatException($"reading {type} tensors is not supported (F32, F16 and Q8_0 are)");
        }
        return result;
    }

    private static byte[] EncodeF32(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static byte[] EncodeF16(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        return bytes;
    }

    // Same rounding as ggml's quantize_row_q8_0_ref: scale = amax / 127, values rounded half away from zero.
    private static byte[] EncodeQ8_0(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length / Q8Block * 34];
        for (int b = 0; b < values.Length / Q8Block; b++)
        {
            var block = values.Slice(b * Q8Block, Q8Block);
            float amax = 0;
            foreach (var v in block) amax = Math.Max(amax, Math.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            var output = bytes.AsSpan(b * 34, 34);
            BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
            for (int j = 0; j < Q8Block; j++)
                output[2 + j] = (byte)(sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
        }
        return bytes;
    }
}
