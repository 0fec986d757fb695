"""Operators that read dubbing work and start it, optionally waiting for it to end."""
