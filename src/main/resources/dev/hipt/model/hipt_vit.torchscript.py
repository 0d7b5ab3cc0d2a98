class HiptVit(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  stem : int
  depth : int
  heads : int
  dtype : int
  sdpa : bool
  fuse_gelu : bool
  linear_stem : bool
  split_cls : bool
  embed_w : Tensor
  embed_b : Tensor
  cls_token : Tensor
  norm_w : Tensor
  norm_b : Tensor
  ln : List[Tensor]
  w : List[Tensor]
  pw : List[Tensor]
  def forward(self: __torch__.HiptVit,
    x: Tensor,
    pos: Tensor) -> Tuple[Tensor, Tensor]:
    # HIPT's ViT-256/16 (stem 0: Conv2d patch embedding of [B, 3, H, W] images) or ViT-4K/256 (stem 1: Linear + GELU
    # over [B, N, C] token grids), written by hipt-service (dev.hipt.model.TorchScriptArchive). Returns the CLS
    # output [B, dim] and the last block's CLS-to-token attention [B, heads, N], both float32.
    # Precision: the stem, every LayerNorm, the softmax statistics, the residual stream and the outputs are float32;
    # the blocks' Linear layers and attention products run in self.dtype (6 float32, 15 bfloat16, 5 float16), whose
    # weights the archive holds in that dtype.
    # The ViT-256 stem: its Conv2d has stride = kernel = patch, so with self.linear_stem it runs as what it equals, a
    # patchify reshape/permute to [B, N, 3 * k * k] and a Linear over it (through oneDNN once prepacked), float32.
    # Attention: with self.split_cls the patch queries go through SDPA against all keys (N - 1 queries, a multiple of
    # the kernel's query block) and the CLS query apart as one small product and softmax; the same outputs.
    # Linear layers: self.linear (oneDNN with prepacked weights once prepack() has run, else torch.linear). The
    # residual adds are in place on the float32 stream h (a fresh tensor of this call), converting the bf16/fp16
    # branch on the fly: one pass instead of a conversion pass and an add pass.
    dt = self.dtype
    w = self.w
    ln = self.ln
    stem_k = 4 * self.depth + 1
    if self.stem == 0:
      k = self.embed_w.size(2)
      if self.linear_stem:
        cin = x.size(1)
        gh = x.size(2) // k
        gw = x.size(3) // k
        t = torch.reshape(torch.permute(torch.reshape(x, [x.size(0), cin, gh, k, gw, k]), [0, 2, 4, 1, 3, 5]),
                          [x.size(0), gh * gw, cin * k * k])
        t = self.linear(t, stem_k, torch.flatten(self.embed_w, 1), self.embed_b, False)
      else:
        t = torch.conv2d(x, self.embed_w, self.embed_b, [k, k])
        t = torch.transpose(torch.flatten(t, 2), 1, 2)
    else:
      t = self.linear(x, stem_k, self.embed_w, self.embed_b, True)
    b = t.size(0)
    c = t.size(2)
    h = torch.cat([torch.expand(self.cls_token, [b, 1, c]), t], 1) + pos
    n = h.size(1)
    heads = self.heads
    hd = c // heads
    scale = float(hd) ** -0.5
    for i in range(self.depth - 1):
      y = torch.to(torch.layer_norm(h, [c], ln[4 * i], ln[4 * i + 1], 1e-06), dt)
      qkv = torch.permute(torch.reshape(self.linear(y, 4 * i, w[8 * i], w[8 * i + 1], False), [b, n, 3, heads, hd]),
                          [2, 0, 3, 1, 4])
      if self.sdpa and self.split_cls:
        ap = torch.scaled_dot_product_attention(torch.slice(qkv[0], 2, 1), qkv[1], qkv[2])
        s = torch.matmul(torch.slice(qkv[0], 2, 0, 1) * scale, torch.transpose(qkv[1], -2, -1))
        ac = torch.matmul(torch.to(torch.softmax(s, -1, 6), dt), qkv[2])
        a = torch.reshape(torch.cat([torch.transpose(ac, 1, 2), torch.transpose(ap, 1, 2)], 1), [b, n, c])
      else:
        if self.sdpa:
          a = torch.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        else:
          s = torch.matmul(qkv[0] * scale, torch.transpose(qkv[1], -2, -1))
          a = torch.matmul(torch.to(torch.softmax(s, -1, 6), dt), qkv[2])
        a = torch.reshape(torch.transpose(a, 1, 2), [b, n, c])
      h = torch.add_(h, self.linear(a, 4 * i + 1, w[8 * i + 2], w[8 * i + 3], False))
      y = torch.to(torch.layer_norm(h, [c], ln[4 * i + 2], ln[4 * i + 3], 1e-06), dt)
      y = self.linear(self.linear(y, 4 * i + 2, w[8 * i + 4], w[8 * i + 5], True), 4 * i + 3, w[8 * i + 6],
                      w[8 * i + 7], False)
      h = torch.add_(h, y)
    # The last block: only the CLS output is used, so only the CLS query attends; its softmax is the attention map.
    # Its prepacked weights are q, kv, proj, fc1, fc2 from 4 * i.
    i = self.depth - 1
    qkv_w = w[8 * i]
    qkv_b = w[8 * i + 1]
    y = torch.to(torch.layer_norm(h, [c], ln[4 * i], ln[4 * i + 1], 1e-06), dt)
    q = self.linear(torch.slice(y, 1, 0, 1), 4 * i, torch.slice(qkv_w, 0, 0, c), torch.slice(qkv_b, 0, 0, c), False)
    q = torch.transpose(torch.reshape(q, [b, 1, heads, hd]), 1, 2)
    kv = self.linear(y, 4 * i + 1, torch.slice(qkv_w, 0, c), torch.slice(qkv_b, 0, c), False)
    kv = torch.permute(torch.reshape(kv, [b, n, 2, heads, hd]), [2, 0, 3, 1, 4])
    p = torch.softmax(torch.matmul(q * scale, torch.transpose(kv[0], -2, -1)), -1, 6)
    a = torch.matmul(torch.to(p, dt), kv[1])
    a = torch.reshape(torch.transpose(a, 1, 2), [b, 1, c])
    h0 = torch.slice(h, 1, 0, 1) + torch.to(self.linear(a, 4 * i + 2, w[8 * i + 2], w[8 * i + 3], False), 6)
    y = torch.to(torch.layer_norm(h0, [c], ln[4 * i + 2], ln[4 * i + 3], 1e-06), dt)
    y = self.linear(self.linear(y, 4 * i + 3, w[8 * i + 4], w[8 * i + 5], True), 4 * i + 4, w[8 * i + 6],
                    w[8 * i + 7], False)
    h0 = h0 + torch.to(y, 6)
    out = torch.reshape(torch.layer_norm(h0, [c], self.norm_w, self.norm_b, 1e-06), [b, c])
    return (out, torch.select(torch.slice(p, 3, 1), 2, 0))
  def linear(self: __torch__.HiptVit,
    x: Tensor,
    k: int,
    weight: Tensor,
    bias: Tensor,
    gelu: bool) -> Tensor:
    # x @ weight^T + bias, then GELU (erf) if gelu. With prepacked weights (self.pw, filled by prepack) oneDNN's inner
    # product runs on self.pw[k], the bias (and, if self.fuse_gelu, the GELU) fused into it: no per-call weight
    # reorder, no pass that copies the bias into the output, none for the GELU. Else torch.linear.
    if len(self.pw) > 0:
      if gelu and self.fuse_gelu:
        return ops.mkldnn._linear_pointwise(x, self.pw[k], bias, "gelu", annotate(List[Optional[number]], []), "none")
      y = ops.mkldnn._linear_pointwise(x, self.pw[k], bias, "none", annotate(List[Optional[number]], []), None)
    else:
      y = torch.linear(x, weight, bias)
    if gelu:
      y = torch.gelu(y)
    return y
  def prepack(self: __torch__.HiptVit,
    rows: int,
    cls_rows: int) -> int:
    # Reorders every block Linear weight once into oneDNN's blocked layout for about `rows` input rows (batch x
    # tokens; `cls_rows` for the last block's CLS query), then the stem's float32 Linear weight (ViT-256: the Conv2d
    # weight flattened to [dim, 3 * k * k]; used when self.linear_stem), so forward runs self.linear through oneDNN.
    # CPU only; the caller checks that oneDNN supports self.dtype on this CPU. Returns how many weights were packed.
    w = self.w
    c = self.cls_token.size(2)
    packed = annotate(List[Tensor], [])
    for i in range(self.depth):
      if i == self.depth - 1:
        packed.append(ops.mkldnn._reorder_linear_weight(torch.slice(w[8 * i], 0, 0, c), cls_rows))
        packed.append(ops.mkldnn._reorder_linear_weight(torch.slice(w[8 * i], 0, c), rows))
        packed.append(ops.mkldnn._reorder_linear_weight(w[8 * i + 2], cls_rows))
        packed.append(ops.mkldnn._reorder_linear_weight(w[8 * i + 4], cls_rows))
        packed.append(ops.mkldnn._reorder_linear_weight(w[8 * i + 6], cls_rows))
      else:
        for j in range(4):
          packed.append(ops.mkldnn._reorder_linear_weight(w[8 * i + 2 * j], rows))
    packed.append(ops.mkldnn._reorder_linear_weight(torch.flatten(self.embed_w, 1), rows))
    self.pw = packed
    return len(packed)
