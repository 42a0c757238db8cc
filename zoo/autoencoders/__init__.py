"""Autoencoders: dense, convolutional, denoising and variational, compared with PCA."""
from zoo.registry import TaskEntry

TASK_CLASS = "zoo.autoencoders.task:AutoencoderTask"

TASKS = (
    TaskEntry("conv_autoencoder", "autoencoders", TASK_CLASS,
              "convolutional autoencoder on handwritten digits, compared with PCA", {"kind": "conv"}),
    TaskEntry("dense_autoencoder", "autoencoders", TASK_CLASS,
              "fully connected autoencoder on handwritten digits",
              {"kind": "dense", "comparison_code_sizes": ()}),
    TaskEntry("denoising_autoencoder", "autoencoders", TASK_CLASS,
              "convolutional autoencoder trained to remove Gaussian noise",
              {"kind": "denoising", "comparison_code_sizes": ()}),
    TaskEntry("variational_autoencoder", "autoencoders", TASK_CLASS,
              "variational autoencoder: a smooth latent space you can sample from",
              {"kind": "variational", "code_size": 2, "comparison_code_sizes": ()}),
)
