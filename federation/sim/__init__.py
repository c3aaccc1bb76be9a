"""Deterministic simulation of a Démocité network under faults (issue #18).

The real code runs: `Node` on real SQLite files, real signatures, the real peer guard and
endpoints, the real sync, exchange and gossip choices. Only the network (`net.SimNet`, a
`federation.peer.client.Transport`) and the clock (`world.World.clock_of`) are simulated, and every
random choice (keys, nonces, faults, acts) comes from one `random.Random(seed)`. The world advances
one step at a time, never two tasks at once, so a seed replays a run exactly. docs/simulation.md
says how to run it and what each invariant means.
"""
