"""The chapters' applications of GANs, each a complete training loop with its own configuration, built
from gan_lib's networks, losses and batch streams:

- `image_to_image`: pix2pix-style restoration (denoising, inpainting, super-resolution), chapter 6;
- `cyclegan`: unpaired translation between two image domains, chapter 6;
- `semi_supervised`: a classifier from few labels, with and without a GAN's discriminator, chapter 6;
- `vae`: the variational autoencoder a GAN is compared with, chapter 9.

Importing this package imports none of them: `from gan_lib.applications.cyclegan import train_cyclegan`.
"""
