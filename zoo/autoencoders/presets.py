"""The autoencoders tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASK_CLASS = "zoo.autoencoders.task:AutoencoderTask"

TASKS = (
    TaskEntry(
        name="conv_autoencoder",
        family="autoencoders",
        task_class=TASK_CLASS,
        summary="convolutional autoencoder on handwritten digits, compared with PCA",
        defaults={"kind": "conv"},
    ),
    TaskEntry(
        name="dense_autoencoder",
        family="autoencoders",
        task_class=TASK_CLASS,
        summary="fully connected autoencoder on handwritten digits",
        defaults={"kind": "dense", "comparison_code_sizes": ()},
    ),
    TaskEntry(
        name="denoising_autoencoder",
        family="autoencoders",
        task_class=TASK_CLASS,
        summary="convolutional autoencoder trained to remove Gaussian noise",
        defaults={"kind": "denoising", "comparison_code_sizes": ()},
    ),
    TaskEntry(
        name="variational_autoencoder",
        family="autoencoders",
        task_class=TASK_CLASS,
        summary="variational autoencoder: a smooth latent space you can sample from",
        defaults={"kind": "variational", "code_size": 2, "comparison_code_sizes": ()},
    ),
)
