"""CAMB.AI: models of the alt-format export endpoints and pure builders of their calls."""
