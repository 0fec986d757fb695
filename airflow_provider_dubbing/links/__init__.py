"""Operator extra links: a button on the task that opens the object in the service's console."""
