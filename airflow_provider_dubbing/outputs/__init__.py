"""What a finished dubbing task made: its dubbed files, named by an asset URI each.

Pure (no Airflow, no HTTP): :mod:`.files` describes one dubbed file and builds its URI;
:mod:`.uris` checks a URI of our schemes (Airflow calls it through the provider info).
"""
