"""Fused per-edge work for MACE on CPU: the edge convolution and the radial MLP.

Two exact rewrites of the per-edge part of a MACE interaction block,
installed into a loaded model by ``fuse(model)``; each is checked numerically
against the module it replaces before it is used, and anything that does not
match is left to mace's own code (whose source is not modified).
``ScalarNodeConvolution``: for scalar node features (``Nx0e``), the edge
convolution plus ``scatter_sum`` becomes one batched matrix product per
receiver, never building a per-edge ``channels x (l_max+1)^2`` tensor.
``FoldedMLP``: the radial MLP with e3nn's normalisation folded into its
weights, evaluating identical reversed-pair halves once. The derivation:
docs/fast-mace.md.
"""

from __future__ import annotations

import torch


class ScalarNodeConvolution(torch.nn.Module):
    """``scatter_sum(conv_tp(x[sender], Y, w), receiver)`` for scalar ``x``."""

    def __init__(
        self,
        mul: int,
        n_paths: int,
        sh_dim: int,
        blocks: list[tuple[int, int, int, float]],
    ):
        super().__init__()
        self.mul = mul
        self.n_paths = n_paths
        self.sh_dim = sh_dim
        # blocks: (path k, first Y component, Y width, coefficient) in output
        # order; the output is read off M[i, k, u, m] with one gather
        columns, coeffs = [], []
        for k, sh_start, sh_width, coeff in blocks:
            for u in range(mul):
                for m in range(sh_start, sh_start + sh_width):
                    columns.append((k * mul + u) * sh_dim + m)
                    coeffs.append(coeff)
        self.out_dim = len(columns)
        self.register_buffer("columns", torch.tensor(columns), persistent=False)
        scale = torch.tensor(coeffs)
        self.register_buffer(
            "scale", None if bool((scale == 1).all()) else scale, persistent=False
        )

    def forward(
        self,
        node_feats: torch.Tensor,
        edge_attrs: torch.Tensor,
        tp_weights: torch.Tensor,
        edge_index: torch.Tensor,
    ) -> torch.Tensor:
        n_nodes = node_feats.shape[0]
        n_edges = edge_index.shape[1]
        if n_edges == 0:
            return node_feats.new_zeros((n_nodes, self.out_dim))
        with torch.no_grad():
            # row of every edge in a [receiver, neighbour slot] layout padded
            # to the largest neighbour count
            receiver = edge_index[1]
            order = torch.argsort(receiver, stable=True)
            counts = torch.bincount(receiver, minlength=n_nodes)
            k_max = int(counts.max())
            start = torch.cumsum(counts, 0) - counts
            sorted_receiver = receiver[order]
            slot = torch.arange(n_edges, device=receiver.device)
            slot = slot - start[sorted_receiver]
            position = torch.empty_like(receiver)
            position[order] = sorted_receiver * k_max + slot
        width = self.n_paths * self.mul
        x = node_feats[edge_index[0]]  # [E, U]
        a = (tp_weights.view(n_edges, self.n_paths, self.mul) * x.unsqueeze(1)).view(
            n_edges, width
        )
        # in-place index_copy_ into fresh zeros (no clone of the zeros)
        a_pad = a.new_zeros((n_nodes * k_max, width))
        a_pad.index_copy_(0, position, a)
        y_pad = edge_attrs.new_zeros((n_nodes * k_max, self.sh_dim))
        y_pad.index_copy_(0, position, edge_attrs)
        # M[i, (k, u), m] = sum over slots of a[.., (k, u)] Y[.., m]: one bmm for
        # every path and every Y component; the output needs path k with Y_l
        # only, which one gather picks out (cheaper than a bmm per path here)
        m = torch.bmm(
            a_pad.view(n_nodes, k_max, width).transpose(1, 2),
            y_pad.view(n_nodes, k_max, self.sh_dim),
        )
        out = m.view(n_nodes, width * self.sh_dim).index_select(1, self.columns)
        return out if self.scale is None else out * self.scale


def _probe(tp) -> ScalarNodeConvolution | None:
    """A ScalarNodeConvolution equivalent to ``tp``, or None when not applicable."""
    irreps_in1, irreps_in2, irreps_out = tp.irreps_in1, tp.irreps_in2, tp.irreps_out
    if len(irreps_in1) != 1 or irreps_in1[0].ir.l != 0 or irreps_in1[0].ir.p != 1:
        return None
    mul = irreps_in1[0].mul
    instructions = list(tp.instructions)
    if any(
        ins.connection_mode != "uvu"
        or not ins.has_weight
        or tuple(ins.path_shape) != (mul, 1)
        for ins in instructions
    ):
        return None
    if any(m2 != 1 for m2, _ in irreps_in2):
        return None
    if sorted(ins.i_out for ins in instructions) != list(range(len(irreps_out))):
        return None
    in2_slices = irreps_in2.slices()
    out_dim_total = irreps_out.dim
    by_out = {ins.i_out: (k, ins) for k, ins in enumerate(instructions)}
    blocks = []
    with torch.no_grad():
        x = torch.ones(1, mul)
        w = torch.ones(1, tp.weight_numel)
        for i_out in range(len(irreps_out)):
            k, ins = by_out[i_out]
            sl = in2_slices[ins.i_in2]
            y = torch.zeros(1, irreps_in2.dim)
            y[0, sl] = 1.0
            out = tp(x, y, w)[0].view(-1)
            out_sl = irreps_out.slices()[i_out]
            block = out[out_sl].view(mul, sl.stop - sl.start)
            coeff = float(block[0, 0])
            if not torch.allclose(
                block, torch.full_like(block, coeff), rtol=1e-5, atol=1e-7
            ):
                return None
            blocks.append((k, sl.start, sl.stop - sl.start, coeff))
    if sum(mul * b[2] for b in blocks) != out_dim_total:
        return None
    return ScalarNodeConvolution(mul, len(instructions), irreps_in2.dim, blocks)


def _reference(tp, node_feats, edge_attrs, tp_weights, edge_index):
    message = tp(node_feats[edge_index[0]], edge_attrs, tp_weights)
    out = message.new_zeros((node_feats.shape[0], message.shape[1]))
    return out.index_add_(0, edge_index[1], message)


def _matches(fused, tp, dtype: torch.dtype, seed: int = 0) -> bool:
    gen = torch.Generator().manual_seed(seed)
    n, e = 7, 40
    x = torch.randn(n, tp.irreps_in1.dim, generator=gen, dtype=dtype)
    y = torch.randn(e, tp.irreps_in2.dim, generator=gen, dtype=dtype)
    w = torch.randn(e, tp.weight_numel, generator=gen, dtype=dtype)
    idx = torch.randint(0, n, (2, e), generator=gen)
    idx[1, 0] = n - 1  # a receiver with edges at the end
    with torch.no_grad():
        ref = _reference(tp, x, y, w, idx)
        got = fused(x, y, w, idx)
    return ref.shape == got.shape and torch.allclose(ref, got, rtol=1e-4, atol=1e-5)


class FoldedMLP(torch.nn.Module):
    """e3nn's ``FullyConnectedNet`` with its normalisation constants folded in.

    e3nn scales every layer's weights by ``1/sqrt(fan_in)`` and multiplies each
    activation by a second-moment constant (two extra elementwise passes over
    ``[n_edges, hidden]`` per layer, and two more in the backward pass). Folded
    into the weight matrices, each layer is one ``mm`` and one activation.
    With ``paired_edges`` set by a caller that lists edges as pairs then the
    same pairs reversed (``FastMACECalculator``), and the two halves of the
    input equal, only one half is evaluated; the gradient reaching the shared
    half is the sum of both directions, which is exact because a pair's length
    is one function of the two positions.
    """

    def __init__(
        self, weights: list[torch.Tensor], act, out_scale: float, act_last: bool
    ):
        super().__init__()
        self.weights = torch.nn.ParameterList(
            [
                torch.nn.Parameter(w.detach().clone(), requires_grad=False)
                for w in weights
            ]
        )
        self.act = act
        self.act_last = act_last  # e3nn applies the activation after the last layer
        self.out_scale = out_scale
        self.paired_edges = False  # set by a caller that lays edges out in pairs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        if self.paired_edges and n % 2 == 0 and n:
            # edges given as [pairs; the same pairs reversed]: the radial features
            # of i->j and j->i are equal (to float32 round-off, elementwise
            # kernels differ in the last bit across positions), evaluate once
            a, b = x[: n // 2], x[n // 2 :]
            if torch.allclose(a, b, rtol=1e-5, atol=1e-6):
                half = self._mlp(a)
                return torch.cat([half, half])
        return self._mlp(x)

    def _mlp(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, w in enumerate(self.weights):
            x = x @ w
            if i < last or self.act_last:
                x = self.act(x)
        return x * self.out_scale if self.out_scale != 1.0 else x


def _fold_mlp(net) -> FoldedMLP | None:
    """A FoldedMLP equal to an e3nn FullyConnectedNet, or None."""
    layers = list(net.children())
    if not layers or not all(
        hasattr(lay, "weight") and hasattr(lay, "var_in") for lay in layers
    ):
        return None
    weights, carry, act, act_last = [], 1.0, None, False
    with torch.no_grad():
        for i, lay in enumerate(layers):
            if lay.act is not None:
                if not hasattr(lay.act, "f"):
                    return None
                if act is not None and lay.act.f is not act:
                    return None
                act = lay.act.f
                cst = 1.0 if lay.act._is_id else lay.act.cst
                weights.append(carry * lay.weight / (lay.h_in * lay.var_in) ** 0.5)
                carry = cst * lay.var_out**0.5
                act_last = i == len(layers) - 1
            else:
                weights.append(
                    carry * lay.weight / (lay.h_in * lay.var_in / lay.var_out) ** 0.5
                )
                carry = 1.0
    if act is None:
        return None
    return FoldedMLP(weights, act, carry, act_last)


def _mlp_matches(folded, net, dtype: torch.dtype) -> bool:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(50, net.hs[0], generator=gen, dtype=dtype)
    with torch.no_grad():
        return torch.allclose(folded(x), net(x), rtol=1e-4, atol=1e-5)


def fuse(model: torch.nn.Module, paired_edges: bool = False) -> dict[str, int]:
    """Install the fused convolution and folded radial MLP where they apply.

    ``paired_edges``: the caller will always list edges as ``[pairs; the same
    pairs reversed]`` (see ``FoldedMLP``). Modifies ``model`` in place; returns
    how many blocks got each rewrite.
    """
    done = {"convolution": 0, "radial_mlp": 0}
    dtype = next(model.parameters()).dtype
    for block in getattr(model, "interactions", []):
        tp = getattr(block, "conv_tp", None)
        if (
            tp is not None
            and not hasattr(block, "conv_fusion")
            and hasattr(tp, "instructions")
        ):
            fused = _probe(tp)
            if fused is not None and _matches(fused, tp, dtype):
                block.conv_tp = fused
                block.conv_fusion = True
                done["convolution"] += 1
        net = getattr(block, "conv_tp_weights", None)
        if net is not None and hasattr(net, "hs"):
            folded = _fold_mlp(net)
            if folded is not None and _mlp_matches(folded, net, dtype):
                folded.paired_edges = paired_edges
                block.conv_tp_weights = folded
                done["radial_mlp"] += 1
    return done
