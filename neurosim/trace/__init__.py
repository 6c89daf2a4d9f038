"""Spike-traffic traces: HDF5 files written while simulating, read back as numpy arrays.

    >>> from neurosim.trace import cost_trace, record_trace, read_trace
    >>> record_trace(placement, "run.h5", ticks=1000)      # doctest: +SKIP
    >>> trace = read_trace("run.h5")                       # doctest: +SKIP
    >>> cost_trace(trace).energy.total_J                   # doctest: +SKIP

The format is versioned (:data:`TRACE_VERSION`) and documented in ``docs/traces.md``.
"""
from neurosim.errors import TraceError
from neurosim.trace.cost import TraceCost, cost_trace
from neurosim.trace.export import TRACE_TABLES, export_trace, trace_columns, trace_frame
from neurosim.trace.reader import Trace, read_trace
from neurosim.trace.schema import TRACE_VERSION
from neurosim.trace.writer import TraceWriter, record_trace

__all__ = ["TRACE_TABLES", "TRACE_VERSION", "Trace", "TraceCost", "TraceError", "TraceWriter", "cost_trace",
           "export_trace", "read_trace", "record_trace", "trace_columns", "trace_frame"]
