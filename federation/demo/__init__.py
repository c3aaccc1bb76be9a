"""`democite demo`: a small network of territories on loopback, its data and its story."""
