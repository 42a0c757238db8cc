"""Autoencoders: dense, convolutional, denoising and variational, compared with PCA."""
