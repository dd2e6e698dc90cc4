"""Looking inside a network: parameter counts and the shape after every layer (chapter 2).

    from gan_lib.models.summary import count_parameters, layer_table, format_layer_table
    print(format_layer_table(layer_table(generator, torch.randn(4, generator.latent_dim))))

`layer_table` runs one forward pass with hooks on the innermost layers and records what
each produced; the model's mode (train/eval) and gradients are left as they were.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrize import type_before_parametrizations

from ..modes import evaluating


@dataclass(frozen=True)
class LayerRow:
    """One layer as seen in a forward pass."""

    name: str  # dotted path in the model, e.g. "net.0"
    kind: str  # the layer's class, e.g. "Linear"
    output_shape: tuple[int, ...]  # shape of what the layer returned, batch dimension included
    parameters: int  # trainable and frozen parameters of this layer (buffers not counted)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters in `model` (all, or only those with requires_grad)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"count_parameters expects a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _is_layer(module: nn.Module) -> bool:
    # A layer has no submodules except the weight parametrizations that spectral norm adds.
    return all(name == "parametrizations" for name, _ in module.named_children())


def layer_table(model: nn.Module, *inputs: torch.Tensor) -> list[LayerRow]:
    """The innermost layers of `model` in the order a forward pass on `inputs` calls them,
    with the shape each one returned. Runs under no_grad in eval mode (batch norm then uses
    its running statistics and updates nothing), and restores the model's mode afterwards."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"layer_table expects a torch.nn.Module, got {type(model).__name__}")
    if not inputs:
        raise ValueError("layer_table needs an example input, e.g. layer_table(model, torch.randn(4, latent_dim))")
    rows: list[LayerRow] = []
    handles = []
    for name, module in model.named_modules():
        if ".parametrizations." in f".{name}." or module is model and list(model.children()):
            continue  # spectral norm's internals and the container itself are not layers
        if _is_layer(module):
            def record(layer, _args, output, name=name):
                shape = tuple(output.shape) if isinstance(output, torch.Tensor) else ()
                kind = type_before_parametrizations(layer).__name__  # "Linear", not "ParametrizedLinear"
                rows.append(LayerRow(name or kind, kind, shape, count_parameters(layer)))
            handles.append(module.register_forward_hook(record))
    try:
        with evaluating(model), torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return rows


def format_layer_table(rows: list[LayerRow]) -> str:
    """`rows` as an aligned text table with a total line."""
    header = ("layer", "type", "output shape", "parameters")
    lines = [(row.name, row.kind, str(row.output_shape), f"{row.parameters:,}") for row in rows]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(4)]

    def line(cells):
        # Numbers right-aligned (the last column), text left-aligned.
        padded = [cell.rjust(width) if i == 3 else cell.ljust(width)
                  for i, (cell, width) in enumerate(zip(cells, widths))]
        return "  ".join(padded)

    total = sum(row.parameters for row in rows)
    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *map(line, lines), rule, f"total parameters (sum of the rows): {total:,}"])
