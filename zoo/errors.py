"""The one exception type the zoo raises for bad input: its message says what is wrong and
what was expected, and the command line prints it without a traceback.

    raise ZooError("unknown task 'foo'; available: conv_autoencoder, dense_autoencoder")
"""


class ZooError(Exception):
    """Bad input to the zoo (unknown task, missing checkpoint, invalid config value, ...)."""
