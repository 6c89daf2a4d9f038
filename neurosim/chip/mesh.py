"""``Mesh``: the cores of a (multi-)chip system and where their routers sit.

Cores are numbered ``0 .. n_cores - 1`` over all chips. Core ``k`` is on chip ``k // cores_per_chip``,
in tile ``(k % cores_per_chip) // cores_per_tile`` of that chip, whose router sits at
``(tile % mesh_x, tile // mesh_x)`` on the chip; chip ``c`` sits at ``(c % chips_x, c // chips_x)`` in
the mesh of chips, so the router's global coordinates are ``(cx * mesh_x + x, cy * mesh_y + y)``.

A profile that does not publish its router mesh (``mesh_x``, ``mesh_y``) still has cores and tiles:
its ``Mesh`` lays the tiles of a chip in one row (``published`` is ``False``). That row is not the
chip's layout, only a numbering: placement, per-core and per-tile figures hold, but hop, link and
chip-crossing counts on it are not the chip's, and the cost model marks them not published.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from neurosim._checks import check_memory, memory_limit
from neurosim.chip.profile import ChipProfile
from neurosim.errors import ProfileError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Mesh:
    """The cores of a (multi-)chip system and where their routers sit (see the module docstring)."""

    cores_per_chip: int
    cores_per_tile: int
    mesh_x: int
    mesh_y: int
    chips_x: int = 1
    chips_y: int = 1
    published: bool = True

    @classmethod
    def of(cls, profile: ChipProfile) -> Mesh:
        """The mesh of ``profile``.

        An unpublished ``cores_per_tile`` is the fewest cores per tile the mesh can hold the chip
        with, ``ceil(cores_per_chip / (mesh_x * mesh_y))`` (1 for a one-core chip). Without a
        published mesh, the tiles of ``cores_per_tile`` cores (1 if unpublished) lie in one row,
        marked ``published=False`` (see the module docstring).
        """
        cores = profile.cores_per_chip
        if profile.mesh_x is None or profile.mesh_y is None:
            tiles = math.ceil(cores / (profile.cores_per_tile or 1))
            mesh = cls(cores, profile.cores_per_tile or 1, tiles, 1, profile.chips_x, profile.chips_y, published=False)
        else:
            per_tile = profile.cores_per_tile or math.ceil(cores / (profile.mesh_x * profile.mesh_y))
            mesh = cls(cores, per_tile, profile.mesh_x, profile.mesh_y, profile.chips_x, profile.chips_y)
        mesh.check_size(profile.name)
        return mesh

    def check_size(self, name: str) -> None:
        """Refuse a system whose per-core and per-link arrays would not fit in memory (before any is made).

        Placement, routing and the cost model keep a few int64/float64 values per core (about 64 bytes)
        and one int64 per directed link of the router grid.
        """
        width, height = self.grid_shape
        check_memory({"per-core arrays": 64 * self.n_cores, "link loads": 4 * 8 * width * height},
                     f"chip '{name}' ({self.n_cores} cores on a {width} x {height} router grid)",
                     "use fewer cores per chip or fewer chips", memory_limit(), ProfileError, argument=False)

    @property
    def n_cores(self) -> int:
        """Cores in the whole system."""
        return self.cores_per_chip * self.chips_x * self.chips_y

    @property
    def grid_shape(self) -> tuple[int, int]:
        """``(X, Y)``: size of the global router grid, ``(chips_x * mesh_x, chips_y * mesh_y)``."""
        return self.chips_x * self.mesh_x, self.chips_y * self.mesh_y

    def core_chip(self) -> IntArray:
        """Chip of every core, shape ``(n_cores,)``."""
        return np.arange(self.n_cores, dtype=np.int64) // self.cores_per_chip

    def core_xy(self) -> IntArray:
        """Global router coordinates ``(x, y)`` of every core, shape ``(n_cores, 2)``."""
        chip, local = np.divmod(np.arange(self.n_cores, dtype=np.int64), self.cores_per_chip)
        tile = local // self.cores_per_tile
        cy, cx = np.divmod(chip, self.chips_x)
        y, x = np.divmod(tile, self.mesh_x)
        return np.stack([cx * self.mesh_x + x, cy * self.mesh_y + y], axis=1)

    def cores_by_bisection(self) -> IntArray:
        """Every core id, ordered so that any run of consecutive cores is compact on the mesh.

        Chips are ordered by recursive bisection of the mesh of chips, then within each chip its
        tiles by recursive bisection of the chip's mesh (split the longer side in half, first half
        first), then the cores of each tile: runs stay within one tile, then one chip, as far as
        they can, and a prefix of the order sits around router (0, 0), where the host injects.
        """
        tiles = _bisection_order(self.mesh_x, self.mesh_y)
        local = (tiles[:, None] * self.cores_per_tile + np.arange(self.cores_per_tile)).ravel()
        local = local[local < self.cores_per_chip]  # the last tiles of a mesh may hold no cores
        chips = _bisection_order(self.chips_x, self.chips_y)
        return (chips[:, None] * self.cores_per_chip + local[None, :]).ravel()


def _bisection_order(width: int, height: int) -> IntArray:
    """Cells ``y * width + x`` of a ``width x height`` grid in recursive-bisection order."""
    def cells(x0: int, y0: int, w: int, h: int) -> list[int]:
        if w * h == 1:
            return [y0 * width + x0]
        if w >= h:
            return cells(x0, y0, w // 2, h) + cells(x0 + w // 2, y0, w - w // 2, h)
        return cells(x0, y0, w, h // 2) + cells(x0, y0 + h // 2, w, h - h // 2)
    return np.array(cells(0, 0, width, height), dtype=np.int64)
