"""The peer of `atelier bench train`: the same Llama-architecture model and training step in PyTorch.

Mirrors src/Atelier.Training (RMSNorm, interleaved rotary positions, grouped-query attention, SwiGLU, untied output;
AdamW with weight decay on matrices only, gradient clipping) so that both sides do the same arithmetic. Prints one
JSON line with the measured training tokens per second.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RmsNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    b, t, h, d = x.shape
    pairs = x.view(b, t, h, d // 2, 2)
    even, odd = pairs[..., 0], pairs[..., 1]
    c, s = cos.view(1, t, 1, d // 2), sin.view(1, t, 1, d // 2)
    return torch.stack([even * c - odd * s, even * s + odd * c], dim=-1).view(b, t, h, d)


def attention(q, k, v):
    # Debian's PyTorch 1.13 predates the fused kernel; the explicit form computes the same thing (nanoGPT's slow path).
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float("-inf"))
    return scores.softmax(-1) @ v


class Block(nn.Module):
    def __init__(self, dim, heads, kv_heads, ff, eps):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, dim // heads
        self.attention_norm = RmsNorm(dim, eps)
        self.wq = nn.Linear(dim, heads * self.head_dim, bias=False)
        self.wk = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(heads * self.head_dim, dim, bias=False)
        self.ffn_norm = RmsNorm(dim, eps)
        self.w1 = nn.Linear(dim, ff, bias=False)
        self.w2 = nn.Linear(ff, dim, bias=False)
        self.w3 = nn.Linear(dim, ff, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        h = self.attention_norm(x)
        q = rotate(self.wq(h).view(b, t, self.heads, self.head_dim), cos, sin).transpose(1, 2)
        k = rotate(self.wk(h).view(b, t, self.kv_heads, self.head_dim), cos, sin).transpose(1, 2)
        v = self.wv(h).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        if self.kv_heads < self.heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
            v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        y = attention(q, k, v)
        x = x + self.wo(y.transpose(1, 2).contiguous().view(b, t, -1))
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Llama(nn.Module):
    def __init__(self, vocab, context, dim, layers, heads, kv_heads, ff, eps=1e-5, theta=10000.0):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(Block(dim, heads, kv_heads, ff, eps) for _ in range(layers))
        self.norm = RmsNorm(dim, eps)
        self.output = nn.Linear(dim, vocab, bias=False)
        head_dim = dim // heads
        angles = torch.outer(torch.arange(context, dtype=torch.float64),
                             theta ** (-2.0 * torch.arange(head_dim // 2, dtype=torch.float64) / head_dim))
        self.register_buffer("cos", angles.cos().float(), persistent=False)
        self.register_buffer("sin", angles.sin().float(), persistent=False)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok_embeddings(tokens)
        for layer in self.layers:
            x = layer(x, self.cos[:t], self.sin[:t])
        return self.output(self.norm(x))


def main():
    p = argparse.ArgumentParser()
    for name in ["vocab", "context", "dim", "layers", "heads", "kv_heads", "ff", "batch", "sequence", "steps", "threads"]:
        p.add_argument("--" + name.replace("_", "-"), type=int, required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = Llama(a.vocab, a.context, a.dim, a.layers, a.heads, a.kv_heads, a.ff)
    decayed = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    data = torch.randint(0, a.vocab, (a.steps, a.batch, a.sequence + 1))
    start = time.perf_counter()
    for step in range(a.steps):
        optimizer.zero_grad()
        logits = model(data[step, :, :-1])
        loss = F.cross_entropy(logits.view(-1, a.vocab), data[step, :, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss.item()
    seconds = time.perf_counter() - start
    print(json.dumps({"tokens_per_second": a.steps * a.batch * a.sequence / seconds, "seconds": seconds,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
