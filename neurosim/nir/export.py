""":class:`~neurosim.net.network.Network` -> NIR graph: the inverse of :func:`~neurosim.nir.load_nir`.

    >>> graph = to_nir(net, dialect="snntorch")       # a nir.NIRGraph
    >>> save_nir(net, "model.nir", dialect="nir")     # the same, written with nir.write

Mapping (for the subset that NIR can carry and that the chosen dialect reads back unchanged):

* every spike source (``SpikeArray``, ``SpikeTimes``, ``PoissonSource``) becomes an ``Input`` node of
  shape ``[size]``; its data is not stored (NIR files hold no stimulus);
* ``lif`` -> ``LIF``, ``cuba_lif`` -> ``CubaLIF``, ``if`` -> ``IF``, ``li`` -> ``LI``,
  ``integrator`` -> ``I``, ``cuba_li`` -> ``CubaLI``; a ``lif`` without leak (``beta = 1``,
  ``v_leak = 0``) -> ``IF`` and an ``li`` without leak -> ``I`` (no finite ``tau`` has
  ``1 - dt/tau = 1``). Parameters are mapped back through the dialect's table
  (:mod:`neurosim.nir.dialects`): ``tau = dt / (1 - beta)``, ``r = gain * tau / dt``
  (``gain / dt`` for ``IF``/``I``), ``w_in = gain_syn * tau_syn / dt``; each value is then moved
  by a few ulp, where needed, so that the dialect's forward mapping gives the population's
  parameter back bit for bit (in the dialect's precision);
* each projection -> an ``Affine`` node (``Linear`` when the population has no bias) with the dense
  weight ``[post, pre]`` between the two nodes. A population's ``bias`` travels as the bias of its
  first incoming ``Affine``, divided by the gain (``bias_in`` of a ``cuba_lif`` as is);
* a zero-delay projection is a plain edge; a delay-1 projection that closes a cycle is a plain edge
  too (NIR's recurrence is an implicit one-step delay; it must be the edge that ``load_nir``'s
  depth-first search delays); any other uniform delay ``d`` becomes a ``Delay`` node
  (``delay = d * dt``) after the ``Affine``, which ``load_nir`` reads back as that delay;
* every population that feeds nothing (recurrent edges aside) gets an ``Output`` node ``output_<name>``.

Anything else raises :class:`~neurosim.errors.ModelError` naming the population or projection.
"""
from __future__ import annotations

import numpy as np

from neurosim.errors import ModelError
from neurosim.nir.dialects import Dialect, get_dialect
from neurosim.nir.load import order_and_back_edges
from neurosim.net.network import Network, Population, SpikeSource

EXPORTED = ("lif", "cuba_lif", "if", "li", "integrator", "cuba_li")
EXPORT_DIALECTS = ("nir", "snntorch")  # the others are read-only: their gain/decay rules have no inverse here


def to_nir(network: Network, dialect: str = "nir", dt: float | None = None):
    """The ``nir.NIRGraph`` that ``load_nir(graph, dialect, dt)`` reads back as ``network``.

    Parameters
    ----------
    network : the Network to export (populations of the models in ``EXPORTED``, spike sources).
    dialect : ``"nir"`` or ``"snntorch"`` (``EXPORT_DIALECTS``): fixes dt, precision, reset and threshold; a population
        whose reset, threshold test or precision differs from the dialect's cannot be exported.
    dt : time step in the file's time unit; default the dialect's.
    """
    import nir

    spec = get_dialect(dialect, dt)
    if spec.name not in EXPORT_DIALECTS:
        raise ModelError(f"to_nir writes dialects {', '.join(EXPORT_DIALECTS)}; dialect '{spec.name}' is "
                         "only read (load_nir)")
    if not isinstance(network, Network):
        raise ModelError(f"to_nir: expected a neurosim Network, got {type(network).__name__}")

    pops = {k: n for k, n in network.nodes.items() if isinstance(n, Population)}
    sources = [k for k, n in network.nodes.items() if isinstance(n, SpikeSource)]
    for k, n in network.nodes.items():
        if k not in pops and k not in sources:
            raise ModelError(f"node '{k}' ({type(n).__name__}) cannot be exported to NIR")
    incoming = {k: [] for k in pops}
    outgoing = {k: [] for k in network.nodes}
    pairs = {}
    for proj in network.projections.values():
        if (proj.pre, proj.post) in pairs:
            raise ModelError(f"projections '{pairs[proj.pre, proj.post]}' and '{proj.name}' both connect "
                             f"'{proj.pre}' -> '{proj.post}'; NIR folds them into one: merge them first")
        pairs[proj.pre, proj.post] = proj.name
        incoming[proj.post].append(proj)
        outgoing[proj.pre].append(proj)

    # Delays: 0 -> plain edge; 1 -> plain edge if load_nir's DFS delays exactly that edge; else Delay node.
    delay = {name: _uniform_delay(p) for name, p in network.projections.items()}
    plain = {name for name, d in delay.items() if d in (0, 1)}
    while True:
        srcs = {k: sorted({p.pre for p in incoming[k] if p.name in plain}) for k in pops}
        _, back = order_and_back_edges(sources, list(pops), srcs)
        back_names = {pairs[e] for e in back}
        zero = sorted(n for n in back_names if delay[n] == 0)
        if zero:
            p = network.projections[zero[0]]
            raise ModelError(f"projection '{p.name}' ({p.pre} -> {p.post}) closes a cycle with zero delay: NIR's "
                             "recurrence delays one edge of each cycle by one step; give it delay 1")
        stray = {n for n in plain if delay[n] == 1 and n not in back_names}
        if not stray:
            break
        plain -= stray

    nodes, edges = {}, []
    used = set(network.nodes)

    def unique(name: str) -> str:
        base, k = name, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        return name

    for k in sources:
        nodes[k] = nir.Input(input_type=np.array([network.nodes[k].size]))
    biases = {}
    for k, pop in pops.items():
        if not incoming[k]:
            raise ModelError(f"population '{k}' has no incoming projection: NIR would add an Input node for it "
                             "(and a bias can only travel on an incoming Affine)")
        nodes[k], biases[k] = _neuron(k, pop, spec)
    for k, pop in pops.items():
        if not pop.model.spiking and outgoing[k]:
            raise ModelError(f"population '{k}' ({pop.model.name}) feeds '{outgoing[k][0].post}': NIR's "
                             f"{type(nodes[k]).__name__} outputs a potential, not spikes")
    for k in pops:
        for j, proj in enumerate(incoming[k]):
            w = np.zeros((network.nodes[proj.post].size, network.nodes[proj.pre].size), dtype=np.float64)
            np.add.at(w, (proj.post_idx, proj.pre_idx), proj.weight.astype(np.float64))
            w = w.astype(np.float32)
            aff = unique(proj.name)
            b = biases[k]
            if j == 0 and b is not None:
                nodes[aff] = nir.Affine(weight=w, bias=b)
            else:
                nodes[aff] = nir.Linear(weight=w)
            edges.append((proj.pre, aff))
            if proj.name in plain:
                edges.append((aff, k))
            else:
                d = unique(f"{proj.name}.delay")
                nodes[d] = nir.Delay(delay=np.full(w.shape[0], delay[proj.name] * spec.dt))
                edges += [(aff, d), (d, k)]
    for k, pop in pops.items():  # recurrent (back) edges do not count: NIR needs an exit from each cycle
        if all(pairs[p.pre, p.post] in back_names for p in outgoing[k]):
            out = unique(f"output_{k}")
            nodes[out] = nir.Output(output_type=np.array([pop.size]))
            edges.append((k, out))
    return nir.NIRGraph(nodes=nodes, edges=edges)


def save_nir(network: Network, path, dialect: str = "nir", dt: float | None = None) -> None:
    """Write ``to_nir(network, dialect, dt)`` to ``path`` with ``nir.write``."""
    import nir

    nir.write(path, to_nir(network, dialect=dialect, dt=dt))


# -- helpers ----------------------------------------------------------------------------------------
def _uniform_delay(proj) -> int:
    if proj.delay.size == 0:
        return 0
    d = np.unique(proj.delay)
    if d.size > 1:
        raise ModelError(f"projection '{proj.name}': synapses have different delays ({', '.join(map(str, d[:4]))}"
                         f"{', ...' if d.size > 4 else ''}); a NIR edge has one delay per target neuron at most")
    return int(d[0])


def _invert(forward, target: np.ndarray, x0: np.ndarray, dtype) -> np.ndarray:
    """``x`` near ``x0`` (in ``dtype``) with ``forward(x) == target`` elementwise, moving up to 64 ulp.

    Elements with no such ``x`` keep ``x0`` (the mapping is then exact to a few ulp only).
    """
    x0 = np.asarray(x0, dtype=dtype)
    best = x0.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        done = forward(x0) == target
        up, down = x0.copy(), x0.copy()
        for _ in range(64):
            if done.all():
                break
            up = np.nextafter(up, dtype(np.inf))
            down = np.nextafter(down, dtype(-np.inf))
            for cand in (up, down):
                ok = ~done & (forward(cand) == target)
                best[ok] = cand[ok]
                done |= ok
    return best


def _check_choice(key, pop, param, allowed: str, choices, why: str) -> None:
    codes = pop.param(param)
    names = {choices[int(c)] for c in np.unique(codes)}
    if names != {allowed}:
        got = ", ".join(sorted(names))
        raise ModelError(f"population '{key}' ({pop.model.name}): {param}={got} {why}")


def _neuron(key: str, pop: Population, spec: Dialect):
    """(NIR neuron node, Affine bias or None) for ``pop`` under ``spec``."""
    import nir

    model = pop.model.name
    if model not in EXPORTED:
        raise ModelError(f"population '{key}' has model '{model}', which NIR cannot express "
                         f"(exportable: {', '.join(EXPORTED)})")
    f = np.float32 if spec.precision == "float32" else np.float64
    dt, one = f(spec.dt), f(1.0)

    def par(name):
        return pop.param(name)

    def target(x):  # a parameter as the population's arithmetic sees it
        return np.asarray(x, dtype=np.float64).astype(f)

    prec_choices = ("float64", "float32")
    _check_choice(key, pop, "precision", spec.precision, prec_choices,
                  f"but dialect '{spec.name}' reads every neuron in {spec.precision}")
    choices = {p.name: p.choices for p in pop.model.params}
    if "threshold" in choices:
        _check_choice(key, pop, "threshold", spec.threshold, choices["threshold"],
                      "cannot be expressed: NIR's spike test is v > v_threshold")

    def snap(g):
        if spec.snap_unit_gain:
            g = np.where(np.abs(g - one) <= 4 * np.finfo(f).eps, one, g)
        return g

    def tau_of(decay, what):
        if np.any(target(decay) >= 1):
            raise ModelError(f"population '{key}' ({model}): {what} = 1 (no decay) has no finite NIR time constant")
        return _invert(lambda tau: one - dt / tau, target(decay), dt / (one - target(decay)), f)

    def r_of(gain, tau=None):  # load_nir: gain = snap(r * dt / tau), or snap(r * dt) for IF and I
        if tau is None:
            return _invert(lambda r: snap(r * dt), target(gain), target(gain) / dt, f)
        return _invert(lambda r: snap(r * dt / tau), target(gain), target(gain) * tau / dt, f)

    def tau_r(decay, gain, what):
        """(tau, r) giving back ``decay`` and ``gain``; where no r fits the first tau, other taus that
        also give ``decay`` are tried (in float32 one ulp of r can move the gain by more than one ulp)."""
        tau = tau_of(decay, what)
        r = r_of(gain, tau)
        bad = np.flatnonzero(snap(r * dt / tau) != target(gain))
        for i in bad:
            d, g = target(decay)[i], target(gain)[i]
            up = down = tau[i]
            for _ in range(16):
                up, down = np.nextafter(up, f(np.inf)), np.nextafter(down, f(-np.inf))
                hit = None
                for t in (up, down):
                    if one - dt / t == d:
                        ri = _invert(lambda x: snap(x * dt / t), np.array([g]), np.array([g * t / dt]), f)[0]
                        if snap(ri * dt / t) == g:
                            hit = (t, ri)
                            break
                if hit:
                    tau[i], r[i] = hit
                    break
        return tau, r

    def affine_bias(bias, gain):  # load_nir: population bias = gain * affine bias (float64)
        if not np.any(bias != 0):
            return None
        g = snap(gain).astype(np.float64)
        if np.any((g == 0) & (bias != 0)):
            raise ModelError(f"population '{key}' ({model}): a bias with gain 0 cannot travel as an Affine bias "
                             "(load_nir multiplies it by the gain)")
        return _invert(lambda b: (g * b).astype(f), target(bias), bias / g, np.float64)

    def leakless(name):
        return np.all(target(par("beta")) == 1) and np.all(par("v_leak") == 0) if name in ("lif", "li") else False

    def reset_check(allowed):
        _check_choice(key, pop, "reset", allowed, choices["reset"],
                      f"cannot be expressed in dialect '{spec.name}' (it reads {allowed})")

    if model == "if" or (model == "lif" and leakless("lif")):
        if model == "if":
            if spec.if_model != "if":
                raise ModelError(f"population '{key}' (if): dialect '{spec.name}' reads an IF node as a lif with "
                                 f"reset={spec.reset}; export a lif with beta=1 instead")
            reset_check("value")
        else:
            reset_check(spec.reset)
            if spec.if_model == "if" and spec.reset != "value":  # pragma: no cover - no such dialect yet
                raise ModelError(f"population '{key}' (lif): cannot be exported as IF in dialect '{spec.name}'")
        r = r_of(par("gain"))
        node = nir.IF(r=r, v_threshold=target(par("v_th")), v_reset=target(par("v_reset")))
        return node, affine_bias(par("bias"), r * dt)
    if model == "lif":
        reset_check(spec.reset)
        tau, r = tau_r(par("beta"), par("gain"), "beta")
        node = nir.LIF(tau=tau, r=r, v_leak=target(par("v_leak")), v_threshold=target(par("v_th")),
                       v_reset=target(par("v_reset")))
        return node, affine_bias(par("bias"), r * dt / tau)
    if model in ("cuba_lif", "cuba_li"):
        kind = "CubaLIF" if model == "cuba_lif" else "CubaLI"
        if np.any(par("bias") != 0):
            raise ModelError(f"population '{key}' ({model}): bias (added to v) cannot be expressed: an Affine "
                             f"bias into a {kind} is read as bias_in (added to the input of the current)")
        tau_syn, w_in = tau_r(par("alpha"), par("gain_syn"), "alpha")
        tau_mem, r = tau_r(par("beta"), par("gain"), "beta")
        if model == "cuba_li":
            node = nir.CubaLI(tau_syn=tau_syn, tau_mem=tau_mem, r=r, v_leak=target(par("v_leak")), w_in=w_in)
        else:
            reset_check(spec.reset)
            _check_choice(key, pop, "current_from", "current", choices["current_from"],
                          "cannot be expressed: NIR's CubaLIF current decays from itself")
            node = nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=r, v_leak=target(par("v_leak")),
                               v_threshold=target(par("v_th")), v_reset=target(par("v_reset")), w_in=w_in)
        bias_in = par("bias_in")
        return node, (bias_in.copy() if np.any(bias_in != 0) else None)
    if model == "integrator" or (model == "li" and leakless("li")):
        r = r_of(par("gain"))
        return nir.I(r=r), affine_bias(par("bias"), r * dt)
    tau, r = tau_r(par("beta"), par("gain"), "beta")  # li
    return nir.LI(tau=tau, r=r, v_leak=target(par("v_leak"))), affine_bias(par("bias"), r * dt / tau)
