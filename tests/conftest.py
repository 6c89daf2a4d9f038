"""pytest loads this first, which puts ``tests/`` on ``sys.path`` whichever test files run: the shared
helpers ``networks`` (small test networks), ``models.samplers`` and ``reference`` (the oracle engine)
import from any test folder."""
