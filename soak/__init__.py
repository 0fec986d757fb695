"""The fault-injection soak (``make soak``): many deferred waits against a faulty emulator, each
judged by what its task would do, against what the emulator's script for it says."""
