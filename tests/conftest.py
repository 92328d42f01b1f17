"""Test configuration: JAX in float64 is required (never skipped)."""
import jax  # noqa: F401  -- a missing JAX must fail the run, not skip the comparisons

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
