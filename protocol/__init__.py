"""Démocité wire protocol: pure, synchronous data in, data out (sans-I/O).

Nothing here touches sockets, files, the clock or an event loop: time is an argument.
"""
