"""Quantize a network without rewriting it: BN folding, wrapped conv/linear layers, activation
quantizers at producer outputs, all inserted by tracing each reconstruction unit with torch.fx.

A network is handed over as its sequence of *units* (stem, blocks, head; see
``nbsupport.models.units_of``). Each unit is traced; then

1. every Conv -> BatchNorm pair is folded into one conv (Jacob et al. 2018):
   W' = W gamma / sqrt(var + eps),  b' = beta + (b - mean) gamma / sqrt(var + eps);
2. every Conv2d / Linear becomes a :class:`QuantLayer` (a weight quantizer beside the FP weight);
3. an :class:`ActQuantizer` is placed after every node whose output feeds a conv or linear layer,
   shared by all the node's consumers (MQBench's placement: it also quantizes residual-add outputs
   seen by the next block's shortcut). The unit's own input gets one quantizer in
   :class:`QuantUnit`.

As in the official runs, the first conv's weights and the network input, and the last linear
layer's weights and its input, are kept at 8 bits; the network output is not quantized.
"""

from __future__ import annotations

import copy
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import fx, nn

from nbsupport.quant.quantizers import ActQuantizer, WeightQuantizer, check_bits

FIRST_LAST_BITS = 8


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv whose output equals bn(conv(x)) in eval mode: W' = W gamma / sigma,
    b' = beta + (b - mean) gamma / sigma, sigma = sqrt(var + eps).

    The same fold as ``torch.nn.utils.fuse_conv_bn_eval`` up to rounding (a unit test compares
    them), kept because the rounding differs: torch multiplies by ``rsqrt(var + eps)`` where this
    divides by ``sqrt(var + eps)``, so folded weights differ in their last bit (up to about 1e-7),
    and 2-bit reconstruction amplifies that (QDrop on the small MobileNetV2, 60 iterations per unit:
    unit losses differ in the 4th decimal). This form keeps the committed results of notebooks 01
    and 03 unchanged."""
    fused = copy.deepcopy(conv)
    std = torch.sqrt(bn.running_var + bn.eps)
    gamma = bn.weight if bn.affine else torch.ones_like(std)
    beta = bn.bias if bn.affine else torch.zeros_like(std)
    with torch.no_grad():
        fused.weight.copy_(conv.weight * (gamma / std).reshape(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.bias = nn.Parameter(beta + (bias - bn.running_mean) * gamma / std)
    return fused


def fold_bn(module: nn.Module) -> fx.GraphModule:
    """Trace ``module`` (a copy, in eval mode) and fold every conv whose only consumer is a
    BatchNorm2d into one conv."""
    gm = fx.symbolic_trace(copy.deepcopy(module).eval())
    modules = dict(gm.named_modules())
    for node in list(gm.graph.nodes):
        if node.op != "call_module" or not isinstance(modules.get(node.target), nn.BatchNorm2d):
            continue
        producer = node.args[0]
        if (producer.op != "call_module" or not isinstance(modules.get(producer.target), nn.Conv2d)
                or len(producer.users) != 1):
            continue
        _set_module(gm, producer.target, fold_conv_bn(modules[producer.target], modules[node.target]))
        node.replace_all_uses_with(producer)
        gm.graph.erase_node(node)
    gm.graph.eliminate_dead_code()
    gm.delete_all_unused_submodules()
    gm.recompile()
    return gm


def _set_module(root: nn.Module, target: str, new: nn.Module) -> None:
    parent_name, _, name = target.rpartition(".")
    setattr(root.get_submodule(parent_name) if parent_name else root, name, new)


class QuantLayer(nn.Module):
    """A conv or linear layer whose weight passes through a :class:`WeightQuantizer`."""

    def __init__(self, layer: nn.Module, bits: int):
        super().__init__()
        if not isinstance(layer, (nn.Conv2d, nn.Linear)):
            raise TypeError(f"QuantLayer wraps Conv2d or Linear, got {type(layer).__name__}")
        self.kind = "conv" if isinstance(layer, nn.Conv2d) else "linear"
        self.weight = nn.Parameter(layer.weight.detach().clone(), requires_grad=False)
        self.bias = None if layer.bias is None else nn.Parameter(layer.bias.detach().clone(), requires_grad=False)
        if self.kind == "conv":
            self.conv_args = dict(stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                                  groups=layer.groups)
        self.quantizer = WeightQuantizer(self.weight, bits)
        self.quantize = True

    @property
    def stride(self) -> int:
        return self.conv_args["stride"][0] if self.kind == "conv" else 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.quantizer(self.weight) if self.quantize else self.weight
        if self.kind == "conv":
            return F.conv2d(x, w, self.bias, **self.conv_args)
        return F.linear(x, w, self.bias)


class QuantUnit(nn.Module):
    """One reconstruction unit: an input quantizer, then the traced, folded, wrapped graph."""

    def __init__(self, graph: fx.GraphModule, input_bits: int):
        super().__init__()
        self.input_quant = ActQuantizer(input_bits)
        self.body = graph

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.input_quant(x))

    def layers(self) -> list[QuantLayer]:
        return [m for m in self.modules() if isinstance(m, QuantLayer)]

    def act_quantizers(self) -> list[ActQuantizer]:
        return [m for m in self.modules() if isinstance(m, ActQuantizer)]


def quantize_unit(unit: nn.Module, w_bits: int, a_bits: int, *, first: bool = False,
                  last: bool = False) -> QuantUnit:
    """Fold, wrap and place quantizers in one unit (see the module docstring)."""
    gm = fold_bn(unit)
    modules = dict(gm.named_modules())
    layer_nodes = [n for n in gm.graph.nodes
                   if n.op == "call_module" and isinstance(modules[n.target], (nn.Conv2d, nn.Linear))]
    if not layer_nodes:
        raise ValueError("a unit must contain at least one Conv2d or Linear layer")
    first_node, last_node = layer_nodes[0], layer_nodes[-1]
    for node in layer_nodes:
        bits = FIRST_LAST_BITS if (first and node is first_node) or (last and node is last_node) else w_bits
        _set_module(gm, node.target, QuantLayer(modules[node.target], bits))
    quantized: dict[fx.Node, fx.Node] = {}
    for k, node in enumerate(layer_nodes):
        producer = node.args[0]
        if producer.op == "placeholder" or producer in quantized:
            continue
        bits = FIRST_LAST_BITS if last and node is last_node else a_bits
        name = f"act_quant_{k}"
        gm.add_submodule(name, ActQuantizer(bits))
        with gm.graph.inserting_after(producer):
            q_node = gm.graph.call_module(name, args=(producer,))
        producer.replace_all_uses_with(q_node, delete_user_cb=lambda user, q=q_node: user is not q)
        quantized[producer] = q_node
    gm.recompile()
    return QuantUnit(gm, FIRST_LAST_BITS if first else a_bits)


class QuantModel(nn.Module):
    """A network as a sequence of quantized units, with switches for weights and activations."""

    def __init__(self, units: Sequence[nn.Module], w_bits: int, a_bits: int):
        super().__init__()
        check_bits(w_bits, "W_BITS")
        check_bits(a_bits, "A_BITS")
        self.w_bits, self.a_bits = w_bits, a_bits
        n = len(units)
        self.units = nn.ModuleList(
            quantize_unit(u, w_bits, a_bits, first=(i == 0), last=(i == n - 1)) for i, u in enumerate(units))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.units:
            x = unit(x)
        return x

    def layers(self) -> Iterator[QuantLayer]:
        for unit in self.units:
            yield from unit.layers()

    def act_quantizers(self) -> Iterator[ActQuantizer]:
        for unit in self.units:
            yield from unit.act_quantizers()

    def set_quantization(self, weights: bool, activations: bool) -> "QuantModel":
        """Switch weight and (calibrated) activation quantization on or off."""
        for layer in self.layers():
            layer.quantize = weights
        for q in self.act_quantizers():
            q.enabled = activations and q.calibrated
        return self

    @torch.no_grad()
    def calibrate_activations(self, x: torch.Tensor) -> None:
        """MSE-initialise every activation quantizer on the full-precision activations of the
        calibration batch ``x`` (observers see FP values, as in MQBench's calibration), then turn
        weight and activation quantization on."""
        self.set_quantization(weights=False, activations=False)
        hooks = [q.register_forward_pre_hook(lambda module, args: module.calibrate(args[0]))
                 for q in self.act_quantizers()]
        try:
            self.eval()(x)
        finally:
            for h in hooks:
                h.remove()
        self.set_quantization(weights=True, activations=True)
