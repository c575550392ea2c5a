"""Real option chains: reading, cleaning, forwards from parity, implied vols."""

from .option_chain import OptionChain

__all__ = ["OptionChain"]
