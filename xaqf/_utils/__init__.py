"""Private helpers shared by every layer: atomic writes, tensor files, argument checks."""
