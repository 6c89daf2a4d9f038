"""The only place where stages are chained: runs on a chip and design-space sweeps."""
