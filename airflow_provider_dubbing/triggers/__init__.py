"""Triggers that wait on dubbing work in the triggerer, without a worker slot."""
