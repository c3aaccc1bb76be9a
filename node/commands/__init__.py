"""The `democite` commands of the node's own areas (DAS, Pactes 21, verify) and the shared CLI helpers."""
