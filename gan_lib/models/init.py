"""Weight initialisation from the DCGAN paper (Radford et al., 2016, section 4)."""
from __future__ import annotations

from torch import nn


def dcgan_init(module: nn.Module) -> None:
    """Convolution and linear weights ~ N(0, 0.02); batch-norm scales ~ N(1, 0.02), shifts 0.

    Use as `model.apply(dcgan_init)`. Spectrally normalised layers keep their original
    weight under `parametrizations.weight.original`, which is initialised the same way.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Conv1d, nn.ConvTranspose1d)):
        weight = module.parametrizations.weight.original if hasattr(module, "parametrizations") else module.weight
        nn.init.normal_(weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, 0.0, 0.02)
