"""Sensors that wait on dubbing work: poke, reschedule or deferred."""
