"""BlendVision One: models of the CMS dubbing-job endpoints and pure builders of their calls."""
