"""Weight initialisation from the DCGAN paper (Radford et al., 2016, section 4), and spectral normalisation,
which must come after it."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

# The layers with a weight matrix (or a kernel reshaped to one) that both functions below act on.
WEIGHTED_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Conv1d, nn.ConvTranspose1d, nn.Embedding)


def dcgan_init(module: nn.Module) -> None:
    """Convolution, linear and embedding weights ~ N(0, 0.02), biases 0; batch-norm scales ~ N(1, 0.02), shifts 0.

    Use as `model.apply(dcgan_init)`, before `spectrally_normalise`: a layer that is already
    spectrally normalised is refused, since its power iteration has estimated sigma on the weight
    it had, and a new weight would leave that estimate behind.
    """
    if isinstance(module, WEIGHTED_LAYERS):
        if hasattr(module, "parametrizations"):
            raise ValueError(f"this {type(module).__name__} is already wrapped (spectral norm or another "
                             f"parametrization); initialise a layer first, then wrap it "
                             f"(gan_lib.models.init.spectrally_normalise)")
        nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:  # an embedding has none
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


# Power iterations run on each layer when it is wrapped, on top of the 15 torch runs: from a random start the
# estimate of sigma for DCGAN-sized layers is up to 4% low after 15, under 0.3% after 200 (a matrix-vector
# product each, microseconds), so D is normalised by about its real sigma from the first step.
START_ITERATIONS = 185


def spectrally_normalise(network: nn.Module, start_iterations: int = START_ITERATIONS) -> nn.Module:
    """Wrap every layer of `network` that has a weight (`WEIGHTED_LAYERS`) in spectral norm (Miyato et al.,
    2018), in place, and return `network`. Call it once the weights are initialised: torch's
    `spectral_norm` estimates sigma(W) by power iteration on the weight the layer has when wrapped, then
    advances the estimate once per access of the weight in training mode (once per forward pass).
    `start_iterations` more iterations, run here through such accesses, start the estimate close to sigma."""
    for module in list(network.modules()):  # a list: wrapping adds submodules
        if isinstance(module, WEIGHTED_LAYERS):
            spectral_norm(module)
            was_training = module.training
            module.train()
            with torch.no_grad():
                for _ in range(start_iterations):
                    module.weight  # noqa: B018 - the access is the power iteration
            module.train(was_training)
    return network
