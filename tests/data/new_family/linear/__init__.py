"""A family written by the template in the README's "Adding a family": y = 3x - 1 learned from noise."""
