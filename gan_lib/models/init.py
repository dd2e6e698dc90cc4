"""Weight initialisation from the DCGAN paper (Radford et al., 2016, section 4)."""
from __future__ import annotations

import torch
from torch import nn


def dcgan_init(module: nn.Module) -> None:
    """Convolution and linear weights ~ N(0, 0.02); batch-norm scales ~ N(1, 0.02), shifts 0.

    Use as `model.apply(dcgan_init)`. Spectrally normalised layers keep their original
    weight under `parametrizations.weight.original`, which is initialised the same way;
    their estimate of sigma is then restarted from the new weight (`restart_spectral_norm`).
    Class embeddings ~ N(0, 0.02) like the other weights.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Conv1d, nn.ConvTranspose1d, nn.Embedding)):
        weight = module.parametrizations.weight.original if hasattr(module, "parametrizations") else module.weight
        nn.init.normal_(weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:  # an embedding has none
            nn.init.zeros_(module.bias)
        restart_spectral_norm(module)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@torch.no_grad()
def restart_spectral_norm(module: nn.Module) -> None:
    """Point the spectral-norm power iteration of `module` (if it has one) at its current weight.

    `spectral_norm` estimates sigma(W) = u^T W v by power iteration, updating u and v once per
    forward pass in training mode and never in eval mode. It ran its first iterations on the weight
    the layer was built with; after a re-initialisation u and v belong to that old weight, and
    sigma is underestimated (W / sigma too large) until training has iterated enough, and for ever
    in eval mode. Here u, v become the top singular vectors of the new W (one SVD of a small
    matrix), so sigma is exact from the first forward pass.
    """
    parametrizations = getattr(module, "parametrizations", None)
    for parametrization in getattr(parametrizations, "weight", ()):
        if hasattr(parametrization, "_u"):  # torch's _SpectralNorm (a weight of 2 or more dimensions)
            matrix = parametrization._reshape_weight_to_matrix(parametrizations.weight.original)  # (out, in*k)
            left, _, right = torch.linalg.svd(matrix.float(), full_matrices=False)
            parametrization._u.copy_(left[:, 0])
            parametrization._v.copy_(right[0])
